size   = "not a list"
nosuch = 1
