package capture

import (
	"fmt"
	"strings"
)

// ExitError reports that an exec capture's command ended unsuccessfully,
// with what it last wrote to its standard error, which usually says why.
type ExitError struct {
	// Command is the program, the first element of the command.
	Command string
	// Code is the exit code, or -1 when a signal ended the command.
	Code int
	// Status is how the system describes the end, such as "exit status 1"
	// or "signal: killed".
	Status string
	// Stderr holds the command's last lines of standard error, oldest
	// first (as many as stderr_lines keeps).
	Stderr []string
}

func (e *ExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "command %q ended with %s", e.Command, e.Status)
	if len(e.Stderr) == 0 {
		b.WriteString(" and wrote nothing to stderr")
		return b.String()
	}
	b.WriteString("; its last lines of stderr:")
	for _, l := range e.Stderr {
		b.WriteString("\n\t")
		b.WriteString(l)
	}
	return b.String()
}
