# No two stages of a file may listen on one address or write one file,
# whichever pipelines they are in; the second one is reported.
pipeline "one" {
  capture "synthetic" {}
  sink "websocket" {
    listen = "127.0.0.1:8080"
  }
  sink "websocket" {
    name   = "again"
    listen = "127.0.0.1:8080" # ERROR 14: Listen address already used [first used by stage "websocket" of pipeline "one" at testdata/invalid/shared_resources.hcl:6:14]
  }
  sink "file" {
    path = "out.mjpeg"
  }
}

telemetry {
  listen = "127.0.0.1:9100"
}

pipeline "two" {
  capture "synthetic" {}
  sink "websocket" {
    name   = "metrics"
    listen = "127.0.0.1:9100" # ERROR 14: Listen address already used [first used by the telemetry block at testdata/invalid/shared_resources.hcl:18:12]
  }
  # The default listen address is 127.0.0.1:8080 too.
  sink "websocket" {} # ERROR 3: Listen address already used [(the default of listen), is first used by stage "websocket" of pipeline "one"]
  sink "websocket" {
    name   = "wild"
    listen = "0.0.0.0:8081"
  }
  sink "websocket" {
    name   = "local"
    listen = "127.0.0.1:8081" # ERROR 14: Listen address already used [overlaps "0.0.0.0:8081", first used by stage "wild"]
  }
  sink "websocket" {
    name   = "loopback"
    listen = "127.0.0.1:8082"
  }
  sink "websocket" {
    name   = "localhost"
    listen = "localhost:8082" # ERROR 14: Listen address already used [overlaps "127.0.0.1:8082", first used by stage "loopback"]
  }
  sink "websocket" {
    name   = "v6_loopback"
    listen = "[::1]:8083"
  }
  sink "websocket" {
    name   = "v4_loopback"
    listen = "127.0.0.1:8083"
  }
  sink "websocket" {
    name   = "any"
    listen = "127.0.0.1:0"
  }
  sink "websocket" {
    name   = "any_other"
    listen = "127.0.0.1:0"
  }
  sink "file" {
    path = "./sub/../out.mjpeg" # ERROR 12: Output file already used [first used by stage "file" of pipeline "one" at testdata/invalid/shared_resources.hcl:13:12]
  }
  sink "file" {
    name = "broken"
    path = "" # ERROR 12: Missing path
  }
}
