# The smallest pipeline: quality and batch are added with their defaults.
pipeline "minimal" {
  capture "synthetic" {}
  sink "discard" {}
}
