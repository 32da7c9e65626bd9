# A missing closing brace makes the parser nest the rest of the file in the
# open block; only that error is reported, not the follow-on "missing sink"
# and "unexpected block" errors of what was nested.
pipeline "p" { # ERROR 14: Unclosed configuration block
  capture "synthetic" {
    fps = 30
  sink "discard" {}
}
