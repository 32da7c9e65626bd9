variable "fps" {
  type        = number
  default     = 25
  description = "Capture rate."
}

variable "name" {
  type    = string
  default = "Clip"
}

variable "extra" {
  type    = list(string)
  default = ["-an"]
}

pipeline "vars" {
  capture "exec" {
    command = concat(["ffmpeg", "-i", format("%s.mp4", lower(var.name))], var.extra)
    fps     = max(var.fps, 10)
  }
  sink "file" {
    path = "${lower(var.name)}/out.mjpeg"
    tier = null # the same as leaving it out
  }
}
