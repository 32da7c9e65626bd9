# Mistakes in plugin blocks themselves; none of these starts a program.
variable "bin" {
  type = string
}

plugin "behave" {
  command = ["${var.bin}/behave"]
}

plugin "behave" { # ERROR 8: Duplicate plugin [first declared at]
  command = ["${var.bin}/behave"]
}

plugin "tag" { # ERROR 8: Plugin name taken [built-in stage kind "tag"]
  command = ["${var.bin}/behave"]
}

plugin "bad name" { # ERROR 8: Invalid plugin name
  command = ["${var.bin}/behave"]
}

plugin "empty" {
  command = [] # ERROR 13: Empty command
}

plugin "nocommand" { # ERROR 1: Missing required argument ["command"]
  comand = ["x"] # ERROR 3: Unsupported argument [Did you mean "command"?]
}

plugin "policy" {
  command    = ["${var.bin}/behave"]
  on_failure = "explode" # ERROR 16: Unsupported value ["stop", "pass" or "drop"]
  in_flight  = 0 # ERROR 16: Value out of range [between 1 and 256]
}

plugin "checksum" {
  command = ["${var.bin}/behave"]
  sha256  = "abc" # ERROR 13: Invalid checksum [64 hexadecimal digits]
}

pipeline "p" {
  capture "synthetic" {}
  stage "behave" "b" {}
  stage "empty" "e" {}
  sink "discard" {}
}
