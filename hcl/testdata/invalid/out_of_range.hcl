pipeline "demo" {
  capture "synthetic" {
    fps   = 0 # ERROR 13: Value out of range [must be between 0.001 and 240, but it is 0]
    width = 8 # ERROR 13: Value out of range [between 16 and 7680]
  }
  quality {
    tier "high" {
      fps   = -5 # ERROR 15: Value out of range
      scale = 1.5 # ERROR 15: Value out of range [greater than 0 and at most 1]
    }
  }
  sink "discard" {}
}
