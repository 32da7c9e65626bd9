pipeline "demo" {
  capture "synthetic" {
    fsp = 30 # ERROR 5: Unsupported argument [Did you mean "fps"?]
  }
  buffer {
    size = 4 # ERROR 5: Unsupported argument [not expected here]
  }
  sink "discard" {}
}
