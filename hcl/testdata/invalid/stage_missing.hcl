pipeline "empty" {} # ERROR 1: Missing capture block # ERROR 1: Missing sink block

pipeline "empty" { # ERROR 10: Duplicate pipeline
  capture "synthetic" {}
  sink "discard" {}
}

pipeline "bad name" { # ERROR 10: Invalid pipeline name
  capture "synthetic" {}
  sink "discard" {}
}
