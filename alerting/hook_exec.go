package alerting

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// execHook runs a command with the notification's JSON on its standard
// input, directly (never through a shell, unless the command names one),
// within a time bound. The command also finds the alert's name, state and
// severity in STREAMPIPE_ALERT, STREAMPIPE_ALERT_STATE and
// STREAMPIPE_ALERT_SEVERITY. A non-zero exit status is a failure.
type execHook struct {
	cfg HookConfig
	// path is the program, as found when the hook was built.
	path string
}

// execOutputMax bounds the output of a failed command kept for the log.
const execOutputMax = 2 << 10

func (h *execHook) deliver(ctx context.Context, n Notification) error {
	body, err := n.JSON()
	if err != nil {
		return fmt.Errorf("exec: encode: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.path, h.cfg.Command[1:]...)
	cmd.Dir = h.cfg.Dir
	cmd.Stdin = bytes.NewReader(body)
	cmd.Env = append(os.Environ(),
		"STREAMPIPE_ALERT="+n.Alert,
		"STREAMPIPE_ALERT_STATE="+n.State,
		"STREAMPIPE_ALERT_SEVERITY="+n.Severity)
	out := &limitedBuffer{max: execOutputMax}
	cmd.Stdout, cmd.Stderr = out, out
	// A command that leaves a child holding its output open must not
	// hold the hook after it is killed.
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("exec %s: killed after %s", h.cfg.Command[0], h.cfg.Timeout)
	}
	if err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("exec %s: %w: %s", h.cfg.Command[0], err, msg)
		}
		return fmt.Errorf("exec %s: %w", h.cfg.Command[0], err)
	}
	return nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
