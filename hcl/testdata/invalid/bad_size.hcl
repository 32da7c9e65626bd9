pipeline "demo" {
  capture "exec" {
    command        = ["true"]
    max_frame_size = "16 megs" # ERROR 22: Invalid size ["64KiB"]
  }
  sink "websocket" {
    max_message_size = -1 # ERROR 24: Invalid size [cannot be negative]
  }
  sink "file" {
    path             = "out.mjpeg"
    name             = "file"
  }
}
