pipeline "demo" {
  capture "synthetic" {}
  batch {} # ERROR 3: Misplaced batch block [declared at testdata/invalid/batch_before_quality.hcl:4]
  quality {}
  quality {} # ERROR 3: Duplicate quality block
  sink "discard" {}
}
