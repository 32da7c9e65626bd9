package capture

import (
	"context"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// child is one run of an exec capture's command.
//
// Its output goes through pipes the stage creates itself rather than those
// of exec.Cmd, so that waiting for the process and reading its output are
// independent: the stage reads stdout to its very end while another
// goroutine reaps the process, and can force the reading to end should a
// process outside the command's group hold the pipe open.
type child struct {
	pid    int
	proc   *os.Process
	stdout *os.File // read end of the command's standard output
	stderr *os.File // read end of its standard error
	grace  time.Duration

	exited  chan struct{} // closed once the command has been reaped
	waitErr error         // how it ended; set before exited is closed
	copied  chan struct{} // closed once stderr has been read to its end
	done    chan struct{} // closed by finish, to stop the watcher
	term    sync.Once
}

// startChild starts the command argv (whose program is at path) in dir,
// copying its standard error to stderr. Its standard input is the null
// device. When ctx is cancelled the command is terminated (see terminate).
func startChild(ctx context.Context, path string, argv []string, dir string,
	stderr io.Writer, grace time.Duration) (*child, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}

	cmd := &exec.Cmd{
		Path:        path,
		Args:        argv,
		Dir:         dir,
		Stdout:      outW,
		Stderr:      errW,
		SysProcAttr: sysProcAttr(),
	}
	err = cmd.Start()
	// The command holds its own copies of the write ends; ours must go so
	// that reading ends when the command's do.
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, err
	}

	c := &child{
		pid:    cmd.Process.Pid,
		proc:   cmd.Process,
		stdout: outR,
		stderr: errR,
		grace:  grace,
		exited: make(chan struct{}),
		copied: make(chan struct{}),
		done:   make(chan struct{}),
	}
	go func() {
		_, _ = io.Copy(stderr, errR)
		close(c.copied)
	}()
	go func() {
		// Once the command itself has ended, whatever it left running in
		// its process group goes too: nothing may outlive the stage.
		c.waitErr = cmd.Wait()
		killGroup(c.proc, true)
		close(c.exited)
	}()
	go func() {
		select {
		case <-ctx.Done():
			c.terminate()
		case <-c.done:
		}
	}()
	return c, nil
}

// terminate stops the command: SIGTERM to its process group, so that
// ffmpeg can finish cleanly, and SIGKILL if it has not ended after the
// grace period. It then closes the output pipe, which ends reading even if
// a process that left the group still holds the other end. It is safe to
// call more than once and from several goroutines.
func (c *child) terminate() {
	c.term.Do(func() {
		killGroup(c.proc, false)
		if !c.waitExit(c.grace) {
			killGroup(c.proc, true)
			c.waitExit(c.grace)
		}
		c.stdout.Close()
	})
}

// finish is called once reading stdout has ended. It waits for the command
// to end, terminating it if it lingers past the grace period, and returns
// how it ended: nil for exit status 0, or an *exec.ExitError.
func (c *child) finish() error {
	close(c.done)
	if !c.waitExit(c.grace) {
		c.terminate()
	}
	<-c.exited

	// The whole group is gone, so stderr ends at once, unless a process
	// that left the group holds it.
	if !waitChan(c.copied, c.grace) {
		c.stderr.Close()
		<-c.copied
	}
	c.stdout.Close()
	c.stderr.Close()
	return c.waitErr
}

// waitExit waits up to d for the command to end and reports whether it did.
func (c *child) waitExit(d time.Duration) bool { return waitChan(c.exited, d) }

// waitChan waits up to d for ch to be closed and reports whether it was.
func waitChan(ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}
