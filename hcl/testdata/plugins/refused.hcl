# Plugins that cannot be described are reported at the attribute at fault,
# and stage blocks of their kinds report nothing more.
variable "bin" {
  type = string
}

plugin "future" {
  command = ["${var.bin}/futureproto"] # ERROR 13: Incompatible plugin [speaks streampipe plugin protocol version 2]
}

plugin "chatty" {
  command = ["${var.bin}/straystdout"] # ERROR 13: Plugin wrote to stdout [printed "loading the colour tables" on stdout]
}

plugin "tampered" {
  command = ["${var.bin}/behave"]
  sha256  = "0000000000000000000000000000000000000000000000000000000000000000" # ERROR 13: Plugin checksum mismatch [set sha256 = "]
}

plugin "missing" {
  command = ["${var.bin}/nothing-here"] # ERROR 13: Cannot start plugin [build it first]
}

pipeline "p" {
  capture "synthetic" {}
  stage "future" "f" {}
  stage "chatty" "c" {
    anything = 1
  }
  stage "tampred" "t" {} # ERROR 9: Unknown stage kind [Did you mean "tampered"?]
  stage "blur" "soften" {} # ERROR 9: Unknown stage kind [declare the plugin at the top level]
  sink "discard" {}
}
