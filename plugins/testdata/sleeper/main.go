// Command sleeper is a helper process for tests of process hygiene: it
// sleeps, holding the stdout and stderr it inherited, as a wrapper
// script's background child or a helper started by a plugin would. It
// ends by itself after ten minutes at most.
package main

import "time"

func main() { time.Sleep(10 * time.Minute) }
