pipeline "demo" {
  capture "synthetic" {}
  buffer {}
  buffer {} # ERROR 3: Duplicate stage name [add name = "..."]
  buffer {
    name = "second"
  }
  buffer {
    name = "second" # ERROR 12: Duplicate stage name [first declared at testdata/invalid/duplicate_names.hcl:5]
  }
  stage "tag" "second" {} # ERROR 15: Duplicate stage name [second label]
  buffer {
    name = "capture" # ERROR 12: Duplicate stage name
  }
  buffer {
    name = "two words" # ERROR 12: Invalid stage name
  }
  sink "discard" {}
  sink "discard" {} # ERROR 3: Duplicate stage name
}
