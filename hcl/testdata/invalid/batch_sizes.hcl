# max_size below min_size: the batch stage's factory reports it, at the
# attribute the factory names.
pipeline "demo" {
  capture "synthetic" {}
  batch {
    min_size = 4
    max_size = 2 # ERROR 16: Batch size below minimum [Raise max_size]
  }
  sink "discard" {}
}
