# A tier cannot be faster than the capture feeding it.
pipeline "demo" {
  capture "synthetic" {
    fps = 10
  }
  quality {
    tier "high" {
      fps = 30 # ERROR 13: Tier faster than its capture [Set fps to 10 or less]
    }
    tier "low" {
      fps = 5
    }
  }
  sink "discard" {}
}
