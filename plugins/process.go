package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

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
		if string(got) != string(want) {
			return program{}, &StartError{Plugin: d.Name, Kind: ErrChecksum,
				Detail: fmt.Sprintf("%s has sha256 %x, but the plugin block declares %s. "+
					"If you rebuilt or upgraded the plugin on purpose, set sha256 = %q; "+
					"otherwise the file is not the one you vetted: do not run it", exe, got, d.SHA256, hex.EncodeToString(got))}
		}
		p.sum = want
	}
	return p, nil
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// process is one running plugin process.
type process struct {
	client *plugin.Client
	conn   *wire.Conn
	cmd    *exec.Cmd
	logs   *logSink

	// release lets the goroutine that forked the plugin, and so its
	// locked OS thread, end; see setProcAttr.
	release  chan struct{}
	stopOnce sync.Once
	// killedByUs is set when the host sent SIGKILL to a live plugin.
	killedByUs atomic.Bool
}

// startProcess starts the plugin and completes the handshake. Plugin log
// lines go to log.
func startProcess(p program, startTimeout time.Duration, maxMsg int64, log *slog.Logger) (*process, error) {
	logs := newLogSink(log)
	cmd := exec.Command(p.path, p.args...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), wire.EnvMaxMessageSize+"="+strconv.FormatInt(maxMsg, 10))
	setProcAttr(cmd)

	cfg := &plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSets(nil),
		Cmd:              cmd,
		// The environment is set above; go-plugin would append it again.
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		StartTimeout:     startTimeout,
		Stderr:           logs,
		SyncStdout:       logs,
		SyncStderr:       logs,
		// go-plugin's own lifecycle messages are not for users, and with
		// its logger off go-plugin skips parsing stderr, which logs does.
		Logger: hclog.NewNullLogger(),
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(int(maxMsg)), grpc.MaxCallSendMsgSize(int(maxMsg))),
			grpc.WithInitialWindowSize(wire.WindowSize),
			grpc.WithInitialConnWindowSize(wire.WindowSize),
		},
	}
	if p.sum != nil {
		cfg.SecureConfig = &plugin.SecureConfig{Checksum: p.sum, Hash: sha256.New()}
	}
	proc := &process{client: plugin.NewClient(cfg), cmd: cmd, logs: logs, release: make(chan struct{})}

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
		proc.stop()
		return nil, classifyStartError(p.name, filepath.Base(p.path), err, logs.Tail())
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
		proc.stop()
		return nil, &StartError{Plugin: p.name, Kind: ErrStart, Err: err,
			Detail: fmt.Sprintf("connecting to %s: %v", filepath.Base(p.path), err)}
	}
	return proc, nil
}

// pid returns the plugin's process id.
func (p *process) pid() int {
	if p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// kill stops a failed plugin at once with SIGKILL and waits until its
// output has been read, so the crash report has its last words.
func (p *process) kill() {
	p.stopOnce.Do(func() {
		if p.cmd.Process != nil && !p.client.Exited() {
			p.killedByUs.Store(p.cmd.Process.Kill() == nil)
		}
		p.client.Kill()
		close(p.release)
	})
}

// exitStatus describes how the process ended, once it has.
func (p *process) exitStatus() string {
	ps := p.cmd.ProcessState
	switch {
	case ps == nil:
		return "the process has not been seen to exit"
	case p.killedByUs.Load():
		return "the process was killed by streampipe"
	}
	return "the process ended: " + ps.String()
}

// stop shuts a healthy plugin down: go-plugin asks it to exit and kills it
// after two seconds. When ctx ends first, the plugin is killed at once.
func (p *process) stop() { p.stopCtx(context.Background()) }

func (p *process) stopCtx(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		p.stopOnce.Do(func() {
			p.client.Kill()
			close(p.release)
		})
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		if p.cmd.Process != nil {
			_ = p.cmd.Process.Kill()
		}
		<-done
	}
}

// CleanupAll stops every plugin process this program started. Call it on
// every exit path the program controls (after a pipeline ends, on a signal,
// before os.Exit); a plugin stage's Close stops its own process already, so
// this is the safety net. Processes of a host killed with SIGKILL are
// stopped by the kernel on Linux (see setProcAttr).
func CleanupAll() { plugin.CleanupClients() }
