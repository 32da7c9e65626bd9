# Stages may share a port on different hosts, and any number may take a
# free port with port 0.
telemetry {
  listen = "127.0.0.1:9464"
}

pipeline "one" {
  capture "synthetic" {}
  sink "websocket" {}
  sink "websocket" {
    name   = "other_host"
    listen = "127.0.0.2:8080"
  }
  sink "websocket" {
    name   = "free"
    listen = "127.0.0.1:0"
  }
  sink "file" {
    path = "one.mjpeg"
  }
}

pipeline "two" {
  capture "synthetic" {}
  sink "websocket" {
    listen = "127.0.0.1:0"
  }
  sink "websocket" {
    name   = "any_free"
    listen = ":0"
  }
  sink "websocket" {
    name   = "next_port"
    listen = "127.0.0.1:8081"
  }
  sink "file" {
    path = "two.mjpeg"
  }
}
