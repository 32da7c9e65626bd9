pipeline "demo" {
  buffer {}
  capture "synthetic" {} # ERROR 3: Misplaced capture block [after the buffer block]
  sink "discard" {}
}

pipeline "two" {
  capture "synthetic" {}
  capture "synthetic" { # ERROR 3: Duplicate capture block
    name = "other"
  }
  sink "discard" {}
}
