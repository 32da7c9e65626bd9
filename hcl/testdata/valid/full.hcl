# The example of the language's documentation, with every stage block.
variable "video" {
  default = "media/city.mp4"
}

pipeline "city" {
  drain_timeout = "5s" # optional pipeline setting

  capture "exec" {
    command = ["ffmpeg", "-re", "-stream_loop", "-1", "-i", var.video,
      "-vf", "fps=30", "-f", "mjpeg", "-q:v", "5", "pipe:1"]
    format = "mjpeg"
    fps    = 30
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
  }

  batch {
    window   = "0s"
    min_size = 1
    max_size = 5
  }

  sink "websocket" {
    listen = "127.0.0.1:8080"
    path   = "/stream"
  }
}
