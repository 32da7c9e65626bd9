# A telemetry server turned off holds no address.
telemetry {
  listen = "off"
}

pipeline "one" {
  capture "synthetic" {}
  sink "websocket" {}
}
