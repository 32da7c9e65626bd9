package plugins

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
)

// pipeGrace is how long the plugin's stdout and stderr are read after its
// process has ended. Whatever its group held is killed when it ends, so
// the pipes normally close at once; only a descendant that left the group
// (setsid, a daemon) can keep them open, and after pipeGrace the host
// stops reading rather than wait for it.
const pipeGrace = time.Second

// groupRunner starts and ends one plugin process for go-plugin (it is a
// runner.Runner), so that no wait of the host depends on what the plugin
// program does with its descendants.
//
// go-plugin reads the plugin's stdout and stderr until they close, and
// only then reaps the process; a wrapper script's background child, or a
// helper the plugin started, inherits both pipes and so could hold a
// stopped plugin, and the stage waiting for it, until that descendant
// exits. groupRunner therefore:
//
//   - reaps the process as soon as it ends, and then kills what is left of
//     its process group (setProcAttr gives each plugin a group of its own);
//   - kills the whole group, not only the process, when asked to kill;
//   - stops reading the pipes pipeGrace after the process ended.
type groupRunner struct {
	cmd    *exec.Cmd
	sum    []byte // SHA-256 checked just before the start; nil for none
	tmpDir string // go-plugin's socket directory, removed if Start fails

	stdout, stderr *pipeReader
	pid            int

	exited chan struct{} // closed once the process has been reaped
	state  *os.ProcessState
	err    error
	// killed is set when the host killed the process while it ran.
	killed atomic.Bool
}

var _ runner.Runner = (*groupRunner)(nil)

func newGroupRunner(cmd *exec.Cmd, sum []byte, tmpDir string) *groupRunner {
	return &groupRunner{cmd: cmd, sum: sum, tmpDir: tmpDir, exited: make(chan struct{})}
}

// Start checks the program's checksum, when one is declared, and starts
// it with fresh pipes for stdout and stderr.
func (r *groupRunner) Start(context.Context) error {
	err := r.start()
	if err != nil && r.tmpDir != "" {
		// go-plugin removes its socket directory only for a process that
		// started.
		_ = os.RemoveAll(r.tmpDir)
	}
	return err
}

func (r *groupRunner) start() error {
	if r.sum != nil {
		got, err := fileSHA256(r.cmd.Path)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, r.sum) {
			return plugin.ErrChecksumsDoNotMatch
		}
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return err
	}
	r.cmd.Stdout, r.cmd.Stderr = outW, errW
	err = r.cmd.Start()
	// The child has its own copies of the write ends; ours would keep
	// the pipes open after it ends.
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return err
	}
	r.pid = r.cmd.Process.Pid
	r.stdout, r.stderr = newPipeReader(outR), newPipeReader(errR)
	go r.wait()
	return nil
}

// wait reaps the process, ends its group, and closes the pipes once they
// are drained or pipeGrace has passed.
func (r *groupRunner) wait() {
	err := r.cmd.Wait()
	// What the process left in its group goes with it. The group id stays
	// reserved while any member lives, so it cannot name another group.
	killGroup(r.cmd.Process, r.pid)
	r.err, r.state = err, r.cmd.ProcessState
	close(r.exited)

	deadline := time.NewTimer(pipeGrace)
	defer deadline.Stop()
	for _, p := range []*pipeReader{r.stdout, r.stderr} {
		select {
		case <-p.eof:
		case <-deadline.C:
		}
	}
	r.stdout.Close()
	r.stderr.Close()
}

// Wait waits until the process has been reaped.
func (r *groupRunner) Wait(context.Context) error {
	<-r.exited
	return r.err
}

// Kill sends SIGKILL to the process and everything in its group.
func (r *groupRunner) Kill(context.Context) error {
	if r.pid == 0 {
		return nil
	}
	select {
	case <-r.exited:
		return nil
	default:
	}
	r.killed.Store(true)
	killGroup(r.cmd.Process, r.pid)
	return nil
}

// Exited is closed once the process has been reaped.
func (r *groupRunner) Exited() <-chan struct{} { return r.exited }

// State returns how the process ended, and whether the host killed it;
// nil while it runs.
func (r *groupRunner) State() (*os.ProcessState, bool) {
	select {
	case <-r.exited:
		return r.state, r.killed.Load()
	default:
		return nil, false
	}
}

func (r *groupRunner) Stdout() io.ReadCloser { return r.stdout }
func (r *groupRunner) Stderr() io.ReadCloser { return r.stderr }
func (r *groupRunner) Name() string          { return r.cmd.Path }

// ID is the process id, or "" before the process started (go-plugin then
// has nothing to kill).
func (r *groupRunner) ID() string {
	if r.pid == 0 {
		return ""
	}
	return strconv.Itoa(r.pid)
}

// Diagnose adds nothing: classifyStartError says what went wrong.
func (r *groupRunner) Diagnose(context.Context) string { return "" }

// The plugin runs on this machine, so addresses need no translation.

func (r *groupRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (r *groupRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

// pipeReader is the read end of a pipe that says when it reached its end.
type pipeReader struct {
	f    *os.File
	eof  chan struct{}
	once sync.Once
}

func newPipeReader(f *os.File) *pipeReader {
	return &pipeReader{f: f, eof: make(chan struct{})}
}

func (p *pipeReader) Read(b []byte) (int, error) {
	n, err := p.f.Read(b)
	if err != nil {
		p.once.Do(func() { close(p.eof) })
	}
	return n, err
}

// Close closes the pipe; a Read blocked on it returns at once.
func (p *pipeReader) Close() error { return p.f.Close() }
