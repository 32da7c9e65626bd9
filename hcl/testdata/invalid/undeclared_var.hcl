# OPTION -var nope=1
# OPTION -var vidoe=clip.mp4
# OPTION -var broken
# ERROR -: Undeclared variable [declares no such variable]
# ERROR -: Undeclared variable [Did you mean "video"?]
# ERROR -: Invalid -var option
variable "video" {
  default = "clip.mp4"
}

pipeline "demo" {
  capture "synthetic" {}
  sink "file" {
    path = var.vidoe # ERROR 12: Reference to undeclared variable [Did you mean "video"?]
  }
}
