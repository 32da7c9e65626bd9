pipeline "p" {
  capture "synthetic" {}
  sink "websocket" { listen = "127.0.0.1:19999" }
}
