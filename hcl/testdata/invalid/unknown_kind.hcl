pipeline "demo" {
  capture "exce" { # ERROR 11: Unknown capture kind [Did you mean "exec"?]
    command = ["true"]
  }
  stage "blur" "soften" {} # ERROR 9: Unknown stage kind
  sink "websockt" {} # ERROR 8: Unknown sink kind ["discard", "file" and "websocket"]
}
