# What a stage kind checks without the stream is reported even when a
# stage before it failed and its factory is not called: the tier faster
# than its capture leaves the stream unknown after quality, yet the batch
# sizes and the sinks' settings are checked in the same run.
pipeline "demo" {
  capture "synthetic" {
    fps = 25
  }
  quality {
    tier "high" {
      fps = 30 # ERROR 13: Tier faster than its capture [Set fps to 25 or less]
    }
  }
  batch {
    min_size = 6
    max_size = 2 # ERROR 16: Batch size below minimum [Raise max_size to at least 6]
  }
  sink "websocket" {
    path = "stream" # ERROR 12: Invalid stream path [must start with /]
  }
  sink "file" {
    path = "" # ERROR 12: Missing path
  }
}

# A capture that does not decode stops every factory, but not the checks.
pipeline "broken_capture" {
  capture "synthetic" {
    fps = 0 # ERROR 11: Value out of range
  }
  quality {
    default = "hihg" # ERROR 15: Unknown tier [Did you mean "high"?]
    tier "high" {
      fps = 30
    }
    tier "" { # ERROR 5: Missing tier name
      fps = 10
    }
  }
  sink "websocket" {
    listen = "8080" # ERROR 14: Invalid listen address [host:port]
    path   = "/"    # ERROR 14: Invalid stream path [taken by the viewer page]
  }
}

# A block with a mistake of its own still has its other settings checked;
# what a failed attribute's default would imply is not guessed at.
pipeline "bad_attribute" {
  capture "synthetic" {}
  batch {
    window   = "-1s" # ERROR 16: Value out of range [between 0s and 10s]
    min_size = 5
    max_size = 2 # ERROR 16: Batch size below minimum [at least 5]
  }
  sink "websocket" {
    listen = "nonsense" # ERROR 14: Invalid listen address [host:port]
    viewer = "yes" # ERROR 14: Incorrect attribute value type [a bool is required]
  }
}

# max_size failed, so its default (5) below min_size is not reported.
pipeline "bad_maximum" {
  capture "synthetic" {}
  batch {
    min_size = 7
    max_size = "many" # ERROR 16: Incorrect attribute value type
  }
  sink "discard" {}
}
