pipeline "demo" {
  capture "synthetic" {
    fps = = 30 # ERROR 11: Invalid expression
  }
  sink "discard" {}
}
