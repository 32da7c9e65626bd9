# The default quality and batch stages take the names "quality" and
# "batch"; a stage that uses one of those names must be renamed.
pipeline "demo" {
  capture "synthetic" {}
  buffer {
    name = "batch" # ERROR 12: Duplicate stage name [adds a default batch stage]
  }
  sink "discard" {}
}
