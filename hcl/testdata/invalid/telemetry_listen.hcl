# The telemetry server takes its listen address like a stage: one that a
# sink holds already is reported at the telemetry block, and so is its
# default.
pipeline "one" {
  capture "synthetic" {}
  sink "websocket" {
    listen = "127.0.0.1:9464"
  }
}

telemetry { # ERROR 1: Listen address already used [The listen address of the telemetry block, "127.0.0.1:9464" (the default of listen), is first used by stage "websocket" of pipeline "one"]
  path = "/metrics"
}
