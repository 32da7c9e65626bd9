package plugins

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/streampipe/streampipe/plugins/internal/wire"
)

// program is a resolved plugin command.
type program struct {
	name string   // the declared plugin name
	path string   // absolute path of the executable
	args []string // arguments after the program
	dir  string   // working directory
	sum  []byte   // SHA-256 the executable must have; nil for any
}

// resolveProgram finds d's executable and checks its checksum.
func resolveProgram(d Decl) (program, error) {
	if len(d.Command) == 0 || d.Command[0] == "" {
		return program{}, &StartError{Plugin: d.Name, Kind: ErrStart, Detail: "command is empty"}
	}
	p := program{name: d.Name, args: d.Command[1:], dir: d.Dir}
	exe := d.Command[0]
	switch {
	case filepath.IsAbs(exe):
		p.path = exe
	case strings.ContainsRune(exe, '/') || strings.ContainsRune(exe, filepath.Separator):
		p.path = filepath.Join(d.Dir, exe)
	default:
		found, err := exec.LookPath(exe)
		if err != nil {
			return program{}, &StartError{Plugin: d.Name, Kind: ErrStart, Err: err,
				Detail: fmt.Sprintf("program %q is not in PATH; give its path instead", exe)}
		}
		p.path = found
	}
	if abs, err := filepath.Abs(p.path); err == nil {
		p.path = abs
	}
	if st, err := os.Stat(p.path); err != nil {
		return program{}, &StartError{Plugin: d.Name, Kind: ErrStart, Err: err,
			Detail: fmt.Sprintf("program %s: %v (build it first, for the examples with `make plugins`)", exe, err)}
	} else if st.IsDir() {
		return program{}, &StartError{Plugin: d.Name, Kind: ErrStart,
			Detail: fmt.Sprintf("program %s is a directory", exe)}
	}
	if d.SHA256 != "" {
		want, _ := hex.DecodeString(d.SHA256)
		got, err := fileSHA256(p.path)
		if err != nil {
			return program{}, &StartError{Plugin: d.Name, Kind: ErrStart, Err: err,
				Detail: fmt.Sprintf("reading %s: %v", exe, err)}
		}
		if !bytes.Equal(got, want) {
			return program{}, &StartError{Plugin: d.Name, Kind: ErrChecksum,
				Detail: fmt.Sprintf("%s has sha256 %x, but the plugin block declares %s. "+
					"If you rebuilt or upgraded the plugin on purpose, set sha256 = %q; "+
					"otherwise the file is not the one you vetted: do not run it", exe, got, d.SHA256, hex.EncodeToString(got))}
		}
		p.sum = want
	}
	return p, nil
}

// stopGrace bounds a clean stop: go-plugin asks the plugin to exit and
// waits up to two seconds before it kills the group; stopGrace adds room
// for that and for reading the pipes, and after it the group is killed
// whatever go-plugin is waiting for.
const stopGrace = 5 * time.Second

// process is one running plugin process.
type process struct {
	client *plugin.Client
	conn   *wire.Conn
	logs   *logSink
	// runner runs the process; nil when it never got that far.
	runner *groupRunner
	// deadline ends start_timeout, which covers the handshake and the
	// first call (Describe or Configure).
	deadline time.Time

	// release lets the goroutine that forked the plugin, and so its
	// locked OS thread, end; see setProcAttr.
	release  chan struct{}
	stopOnce sync.Once
}

// startProcess starts the plugin and completes the handshake. Plugin log
// lines go to log.
func startProcess(p program, startTimeout time.Duration, maxMsg int64, log *slog.Logger) (*process, error) {
	proc := &process{
		logs:     newLogSink(log),
		release:  make(chan struct{}),
		deadline: time.Now().Add(startTimeout),
	}
	env := append(os.Environ(), wire.EnvMaxMessageSize+"="+strconv.FormatInt(maxMsg, 10))
	if ownGroup {
		env = append(env, wire.EnvOwnGroup+"=1")
	}

	cfg := &plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSets(nil),
		// groupRunner, not go-plugin's own runner, so that no wait
		// depends on the plugin's descendants (see groupRunner).
		RunnerFunc: func(_ hclog.Logger, spec *exec.Cmd, tmpDir string) (runner.Runner, error) {
			cmd := exec.Command(p.path, p.args...)
			cmd.Dir = p.dir
			// go-plugin's variables (cookie, protocol versions, TLS
			// certificate, socket directory) come last, so they win.
			cmd.Env = append(env, spec.Env...)
			setProcAttr(cmd)
			proc.runner = newGroupRunner(cmd, p.sum, tmpDir)
			return proc.runner, nil
		},
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		StartTimeout:     startTimeout,
		Stderr:           proc.logs,
		SyncStdout:       proc.logs,
		SyncStderr:       proc.logs,
		// go-plugin's own lifecycle messages are not for users, and with
		// its logger off go-plugin skips parsing stderr, which logs does.
		Logger: hclog.NewNullLogger(),
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(int(maxMsg)), grpc.MaxCallSendMsgSize(int(maxMsg))),
			grpc.WithInitialWindowSize(wire.WindowSize),
			grpc.WithInitialConnWindowSize(wire.WindowSize),
		},
	}
	proc.client = plugin.NewClient(cfg)

	// Fork from a goroutine locked to its thread for the plugin's life,
	// because the parent-death signal is tied to the forking thread. The
	// goroutine never unlocks: when it returns, its thread ends, and with
	// it any plugin still running (which by then has been stopped anyway).
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		_, err := proc.client.Start()
		started <- err
		<-proc.release
	}()
	if err := <-started; err != nil {
		proc.kill()
		return nil, classifyStartError(p.name, filepath.Base(p.path), err, proc.logs.Tail())
	}

	rpc, err := proc.client.Client()
	if err == nil {
		var raw any
		raw, err = rpc.Dispense(wire.PluginName)
		if err == nil {
			proc.conn, _ = raw.(*wire.Conn)
			if proc.conn == nil {
				err = fmt.Errorf("dispensed %T, not a stage", raw)
			}
		}
	}
	if err != nil {
		proc.kill()
		return nil, &StartError{Plugin: p.name, Kind: ErrStart, Err: err,
			Detail: fmt.Sprintf("connecting to %s: %v", filepath.Base(p.path), err)}
	}
	return proc, nil
}

// startContext bounds the first call to the plugin by what is left of
// start_timeout.
func (p *process) startContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithDeadline(ctx, p.deadline)
}

// pid returns the plugin's process id.
func (p *process) pid() int {
	if p.runner == nil {
		return 0
	}
	return p.runner.pid
}

// exited is closed once the process has ended and been reaped.
func (p *process) exited() <-chan struct{} {
	if p.runner == nil {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return p.runner.Exited()
}

// waitExit waits up to d for the process to end and reports whether it
// has.
func (p *process) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited():
		return true
	case <-t.C:
		return false
	}
}

// kill stops a failed plugin at once: SIGKILL to its whole process group,
// then go-plugin's cleanup, which the group's end keeps short. The pipes
// are read to their end first, so the crash report has its last words.
func (p *process) kill() {
	p.stopOnce.Do(func() {
		if p.runner != nil {
			_ = p.runner.Kill(context.Background())
		}
		p.client.Kill()
		p.logs.Flush()
		close(p.release)
	})
}

// callFailed stops a plugin whose first call (Describe or Configure,
// named by call) failed with err, and says why it failed: the call missed
// start_timeout, the host was stopping (ctx ended), or the plugin refused
// the call or died, in which case the report says how it ended, with its
// last stderr lines.
func (p *process) callFailed(ctx context.Context, call string, startTimeout time.Duration, err error) string {
	switch {
	case ctx.Err() != nil:
		p.kill()
		return fmt.Sprintf("stopped while its %s ran: %v", call, ctx.Err())
	case status.Code(err) == codes.DeadlineExceeded:
		p.kill()
		return fmt.Sprintf("its %s did not return within start_timeout (%s), which bounds starting a plugin "+
			"process; raise start_timeout if the plugin needs longer to start, or look for a hang in its %s%s",
			call, startTimeout, call, tailText(p.logs.Tail()))
	}

	// A broken connection usually means the plugin is exiting: give it
	// a moment, so the report shows its own exit status.
	p.waitExit(exitWait)
	p.kill()
	end := p.ending()
	if end.reason == "" {
		return fmt.Sprintf("its %s failed: %s; %s%s", call, status.Convert(err).Message(), end.what,
			tailText(p.logs.Tail()))
	}
	return fmt.Sprintf("it failed during its %s: %s%s", call, end.what, tailText(p.logs.Tail()))
}

// stop shuts a healthy plugin down: go-plugin asks it to exit and kills
// its group after two seconds; after stopGrace the group is killed
// whatever go-plugin waits for.
func (p *process) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	p.stopCtx(ctx)
}

// stopCtx is stop with the bound of ctx instead of stopGrace: when ctx ends
// first, the plugin's group is killed at once.
func (p *process) stopCtx(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		p.stopOnce.Do(func() {
			p.client.Kill()
			p.logs.Flush()
			close(p.release)
		})
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		if p.runner != nil {
			_ = p.runner.Kill(context.Background())
		}
		<-done
	}
}

// CleanupAll stops every plugin process this program started, and what is
// left in their process groups. Call it on every exit path the program
// controls (after a pipeline ends, on a signal, before os.Exit); a plugin
// stage's Close stops its own process already, so this is the safety net.
// It returns within a few seconds whatever the plugins do. Processes of a
// host killed with SIGKILL are stopped by the kernel on Linux (see
// setProcAttr).
func CleanupAll() { plugin.CleanupClients() }
