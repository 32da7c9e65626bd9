pipeline "demo" {
  drain_timeout = 5 # ERROR 19: Invalid duration [write "5s"]
  capture "exec" {
    command         = ["true"]
    restart_backoff = "soon" # ERROR 23: Invalid duration [is not a duration]
    max_backoff     = "-1s" # ERROR 23: Value out of range
  }
  batch {
    window = 0.5 # ERROR 14: Invalid duration [write "0.5s"]
  }
  sink "discard" {}
}
