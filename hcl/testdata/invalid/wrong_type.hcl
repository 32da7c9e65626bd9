pipeline "demo" {
  capture "exec" {
    command = "ffmpeg -i clip.mp4" # ERROR 15: Incorrect attribute value type [list of string required]
  }
  buffer {
    capacity = "ten" # ERROR 16: Incorrect attribute value type [a number is required. Write an integer, such as capacity = 10.]
  }
  sink "websocket" {
    viewer = "maybe" # ERROR 14: Incorrect attribute value type [a bool is required. Write a bool]
    path   = ["/a"] # ERROR 14: Incorrect attribute value type [string required]
  }
}
