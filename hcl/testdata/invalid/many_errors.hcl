# Several unrelated errors in one file are all reported at once.
variable "fps" {
  type    = number
  default = "fast" # ERROR 13: Invalid value for variable
}

pipeline "demo" {
  drain_timeout = "forever" # ERROR 19: Invalid duration
  capture "synthetic" {
    fps          = var.fps
    jpeg_quality = 101 # ERROR 20: Value out of range
  }
  buffer {
    capacity = 2.5 # ERROR 16: Whole number required [Round it]
    on_full  = "drop_old" # ERROR 16: Unsupported value [Did you mean "drop_oldest"?]
  }
  quality {
    tier "high" {
      fps = 30
    }
    tier "high" { # ERROR 10: Duplicate tier name
      fps = 20
    }
  }
  sink "websockt" {} # ERROR 8: Unknown sink kind
  sink "discard" {}
}

pipeline "second" {
  sink "discard" {}
  capture "files" { # ERROR 3: Misplaced capture block # ERROR 3: Missing required argument
    loop = "yes" # ERROR 12: Incorrect attribute value type
  }
}
