variable "video" {} # ERROR 1: Missing variable value [STREAMPIPE_VAR_video]

variable "fps" { # ERROR 1: Missing variable value
  type = number
}

variable "video" { # ERROR 10: Duplicate variable
  default = "x"
}

pipeline "demo" {
  capture "exec" {
    # No follow-on errors for references to the variables without values.
    command = ["ffmpeg", "-i", var.video]
    fps     = var.fps
  }
  sink "discard" {}
}

pipeline "names" {
  capture "synthetic" {}
  # Both names are unknown: no duplicate is reported for them.
  buffer {
    name = var.video
  }
  buffer {
    name = var.video
  }
  sink "discard" {}
}
