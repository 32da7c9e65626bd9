# A mistake in a plugin setting that only the running stage uses still
# lets the plugin describe itself, so its stage blocks are checked in the
# same run. The test sets bin to a directory holding the test plugins.
variable "bin" {
  type = string
}

plugin "behave" {
  command       = ["${var.bin}/behave"]
  batch_timeout = 1 # ERROR 19: Invalid duration
  on_failure    = "explode" # ERROR 19: Unsupported value
}

pipeline "city" {
  capture "synthetic" {}
  stage "behave" "b" {
    strenght = 0.8 # ERROR 5: Unsupported argument [Did you mean "strength"?]
  }
  sink "discard" {}
}
