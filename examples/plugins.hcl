# The city clip through two plugin stages: overlay writes each frame's
# sequence number and capture time on it, grayscale removes the colour.
# Build the plugins first, from the repository root:
#
#   make plugins
#   go run ./cmd/streampipe validate examples/plugins.hcl
#   go run ./cmd/streampipe run examples/plugins.hcl
#   go run ./cmd/streampipe run examples/plugins.hcl -var listen=127.0.0.1:9000
#
# Needs ffmpeg. Paths are relative to this file's directory.

variable "listen" {
  default     = "127.0.0.1:8080"
  description = "The address of the WebSocket sink."
}

variable "video" {
  default     = "media/city.mp4" # 4 s of a CC0 clip, see media/README.md
  description = "The video file to stream, looped."
}

variable "plugin_dir" {
  default     = "./plugins/bin"
  description = "The directory holding the plugin programs, where make plugins puts them."
}

plugin "overlay" {
  command = ["${var.plugin_dir}/overlay"]
}

plugin "grayscale" {
  command       = ["${var.plugin_dir}/grayscale"]
  batch_timeout = "2s"
  max_restarts  = 5
  on_failure    = "pass" # keep streaming in colour if it keeps crashing
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

  stage "overlay" "stamp" {
    position = "bottom-right"
    scale    = 2
  }

  stage "grayscale" "mono" {
    strength = 1
    quality  = 80
  }

  quality {
    tier "high" {
      fps = 30
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
