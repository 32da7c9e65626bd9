# Block types the language does not have, at the top level and in a
# pipeline.
pipelin "typo" { # ERROR 1: Unsupported block type [Did you mean "pipeline"?]
}

pipeline "demo" {
  capture "synthetic" {}
  buffr { # ERROR 3: Unsupported block type [Did you mean "buffer"?]
    capacity = 4
  }
  sink "discard" {}
}
