pipeline "demo" {
  capture "synthetic" {}
  sink "discard" {} # ERROR 3: Misplaced sink block [before the buffer block]
  buffer {}
  sink "websocket" {}
}
