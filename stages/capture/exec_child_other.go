//go:build !unix

package capture

import (
	"os"
	"syscall"
)

// sysProcAttr returns nil: process groups are a Unix notion.
//
// TODO: on Windows a job object would stop the command's own children
// too; now only the command itself is stopped.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the command; without process groups there is no gentle
// stop to try first.
func killGroup(p *os.Process, force bool) { _ = p.Kill() }
