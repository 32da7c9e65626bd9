# The embedded default: a synthetic test pattern, so it runs with nothing
# installed. Start it with
#
#   go run ./cmd/streampipe run examples/pipeline.hcl
#
# then open http://127.0.0.1:8080/ and pick a quality. Another address:
#
#   go run ./cmd/streampipe run examples/pipeline.hcl -var listen=127.0.0.1:9000

variable "listen" {
  default     = "127.0.0.1:8080"
  description = "Address of the WebSocket server and its viewer page."
}

pipeline "demo" {
  capture "synthetic" {
    fps    = 30
    width  = 640
    height = 360
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
