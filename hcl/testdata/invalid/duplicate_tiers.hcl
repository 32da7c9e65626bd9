pipeline "demo" {
  capture "synthetic" {}
  quality {
    tier "high" {
      fps = 30
    }
    tier "high" { # ERROR 10: Duplicate tier name [first declared at testdata/invalid/duplicate_tiers.hcl:4]
      fps = 20
    }
  }
  sink "discard" {}
}
