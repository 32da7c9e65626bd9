# A real video: ffmpeg decodes a file in a loop at its natural pace and
# writes MJPEG to stdout, which streampipe splits into frames. Needs ffmpeg.
#
#   go run ./cmd/streampipe run examples/video.hcl
#   go run ./cmd/streampipe run examples/video.hcl -var video=/path/to/clip.mp4
#
# A relative path is relative to this file's directory, where the command
# runs.

variable "video" {
  default     = "media/city.mp4" # 4 s of a CC0 clip, see media/README.md
  description = "The video file to stream, looped."
}

variable "listen" {
  default = "127.0.0.1:8080"
}

pipeline "city" {
  capture "exec" {
    command = [
      "ffmpeg", "-hide_banner", "-loglevel", "error",
      "-re", "-stream_loop", "-1", "-i", var.video,
      "-vf", "fps=30", "-f", "mjpeg", "-q:v", "5", "pipe:1",
    ]
    format  = "mjpeg"
    fps     = 30
    on_exit = "restart"
  }

  buffer {
    capacity = 10
    on_full  = "drop_oldest"
  }

  quality {
    tier "high" {
      fps = 30
    }
    tier "medium" {
      fps          = 20
      scale        = 0.75
      jpeg_quality = 70
    }
    tier "low" {
      fps          = 10
      scale        = 0.5
      jpeg_quality = 50
    }
  }

  batch {
    window   = "0s"
    min_size = 1
    max_size = 5
  }

  sink "websocket" {
    listen = var.listen
    path   = "/stream"
  }
}
