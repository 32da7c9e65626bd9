pipeline "one" {
  capture "synthetic" {
    fps = 10
  }
  sink "discard" {}
}

pipeline "two" {
  drain_timeout = "250ms"

  capture "files" {
    path = "frames/*.jpg"
    loop = true
  }
  buffer {
    name     = "ingest"
    capacity = 4
  }
  buffer {
    name    = "smooth"
    on_full = "block"
  }
  stage "tag" "label" {
    settings = {
      text  = "hello"
      sizes = [1, 2]
    }
  }
  quality {
    default = "low"
    tier "low" {
      fps   = 5
      scale = 0.5
    }
  }
  batch {
    window   = "100ms"
    max_size = 3
  }
  sink "websocket" {
    allowed_origins  = ["http://localhost:8080"]
    max_message_size = "1.5kB"
  }
  sink "file" {
    path = "out.mjpeg"
  }
  sink "file" {
    name = "archive"
    path = "/srv/streampipe/archive.mjpeg"
  }
}
