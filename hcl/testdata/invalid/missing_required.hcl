pipeline "demo" {
  capture "exec" { # ERROR 3: Missing required argument [Add it, for example command =]
    fps = 25
  }
  quality {
    tier "high" { # ERROR 5: Missing required argument
      scale = 0.5
    }
  }
  sink "file" {
    path = null # ERROR 12: Missing required argument [must be set]
  }
}
