# A plugin stage's settings are checked against the schema the plugin
# describes, with the same diagnostics as a built-in stage's. The test sets
# bin to a directory holding the test plugins.
variable "bin" {
  type = string
}

plugin "behave" {
  command = ["${var.bin}/behave"]
}

pipeline "city" {
  capture "synthetic" {}
  stage "behave" "b" {
    strenght = 0.8 # ERROR 5: Unsupported argument [Did you mean "strength"?]
    mode     = "loud" # ERROR 16: Unsupported value ["normal", "strict" or "bad"]
    panic_at = -1 # ERROR 16: Value out of range [at least 0]
    delay    = 5 # ERROR 16: Invalid duration
    copy     = "yes" # ERROR 16: Incorrect attribute value type
  }
  sink "discard" {}
}
