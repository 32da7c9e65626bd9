# OPTION -var fps=fast
# OPTION -var-file ../vars/undeclared.spvars.hcl
# ERROR -: Invalid value for variable
# ERROR -: Undeclared variable
# ERROR -: Invalid value for variable
variable "fps" {
  type = number
}

variable "size" {
  type = list(string)
}

pipeline "demo" {
  capture "synthetic" {
    fps = var.fps
  }
  sink "discard" {}
}
