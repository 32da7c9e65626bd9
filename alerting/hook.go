package alerting

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Hook kinds.
const (
	HookLog     = "log"
	HookWebhook = "webhook"
	HookExec    = "exec"
)

// HookKinds lists the hook kinds.
var HookKinds = []string{HookLog, HookWebhook, HookExec}

// Hook defaults.
const (
	DefaultWebhookTimeout = 5 * time.Second
	DefaultWebhookRetries = 3
	DefaultWebhookBackoff = 500 * time.Millisecond
	DefaultExecTimeout    = 10 * time.Second
	// maxBackoff caps the delay between two webhook attempts.
	maxBackoff = 30 * time.Second
	// hookQueue is how many notifications wait for a hook before new
	// ones are dropped.
	hookQueue = 64
)

// HookConfig configures one hook. Rules that share a *HookConfig share
// the hook: one queue, delivered in order.
type HookConfig struct {
	// Kind is HookLog, HookWebhook or HookExec.
	Kind string
	// URL is where a webhook POSTs (http or https).
	URL string
	// Headers are sent with every webhook request.
	Headers map[string]string
	// Timeout bounds one webhook attempt, or an exec command's run.
	Timeout time.Duration
	// Retries is how many times a failed webhook attempt is repeated;
	// Backoff is the delay before the first repeat, doubling after each.
	Retries int
	Backoff time.Duration
	// Command is the exec hook's program and arguments, run without a
	// shell; Dir is its working directory (empty: the process's). The
	// program is looked up when the engine is built ([New]): a path with
	// a slash as it is, a bare name in PATH.
	Command []string
	Dir     string
	// Source is the hook's block when it comes from a configuration
	// file: what New finds wrong (a program that does not exist) is then
	// a *pipeline.ConfigError placed at the block's attribute. Nil for
	// hooks built in Go.
	Source *pipeline.Config
}

// withDefaults fills unset fields.
func (h HookConfig) withDefaults() HookConfig {
	switch h.Kind {
	case HookWebhook:
		if h.Timeout <= 0 {
			h.Timeout = DefaultWebhookTimeout
		}
		if h.Backoff <= 0 {
			h.Backoff = DefaultWebhookBackoff
		}
	case HookExec:
		if h.Timeout <= 0 {
			h.Timeout = DefaultExecTimeout
		}
	}
	return h
}

// Check reports everything that keeps a hook from working, as
// *FieldError values joined, without touching the outside world.
func (h *HookConfig) Check() error {
	var errs []error
	switch h.Kind {
	case HookLog:
	case HookWebhook:
		u, err := url.Parse(h.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fieldErr("url", "%q is not an http:// or https:// URL", h.URL))
		}
		if h.Retries < 0 {
			errs = append(errs, fieldErr("retries", "must not be negative"))
		}
		for _, k := range slices.Sorted(maps.Keys(h.Headers)) {
			if !validHeaderName(k) {
				errs = append(errs, fieldErr("headers", "%q is not a header name: use letters, digits "+
					"and -, without spaces, such as \"X-Api-Key\"", k))
			}
			if !validHeaderValue(h.Headers[k]) {
				errs = append(errs, fieldErr("headers", "the value of header %q holds a line break or "+
					"another control character, which would end the header early; remove it", k))
			}
		}
	case HookExec:
		if len(h.Command) == 0 || h.Command[0] == "" {
			errs = append(errs, fieldErr("command", "needs the program to run, such as [\"./notify.sh\"]"))
		}
	default:
		errs = append(errs, fieldErr("hook", "%q is not a hook kind; use %s", h.Kind, strings.Join(HookKinds, ", ")))
	}
	return errors.Join(errs...)
}

// validHeaderName reports whether s is an HTTP field name: a token of
// RFC 9110.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether s can be sent as an HTTP field value:
// no control characters but horizontal tab, so no CR or LF that would
// split the header.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// deliverer sends one notification; an error means it was not delivered.
type deliverer interface {
	deliver(ctx context.Context, n Notification) error
}

// hookRunner delivers the notifications of one hook from its own
// goroutine, in order, through a bounded queue.
type hookRunner struct {
	kind  string
	d     deliverer
	queue chan Notification
	log   *slog.Logger
	count func(alert, kind, result string)

	mu          sync.Mutex
	closed      bool
	lastDropLog time.Time
	// unlogged counts the notifications a full queue dropped since the
	// last queue_full line; run logs what is left of it when it ends.
	unlogged int
}

// Reasons of EventHookFailed lines.
const (
	reasonDelivery  = "delivery"
	reasonQueueFull = "queue_full"
	// reasonShutdown: notifications still queued, or being delivered,
	// when Stop's bound ran out.
	reasonShutdown = "shutdown"
)

// Results of a notification, the result label of
// streampipe.alert.notifications.
const (
	resultDelivered = "delivered"
	resultFailed    = "failed"
	resultDropped   = "dropped"
)

// dropLogEvery bounds the warnings about notifications a full queue
// dropped.
const dropLogEvery = 10 * time.Second

// enqueue queues n without blocking; a full queue drops it.
func (h *hookRunner) enqueue(n Notification) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	select {
	case h.queue <- n:
		return
	default:
	}
	h.count(n.Alert, h.kind, resultDropped)
	h.unlogged++
	if now := time.Now(); now.Sub(h.lastDropLog) >= dropLogEvery {
		h.log.Warn(EventHookFailed, "alert", n.Alert, "hook", h.kind, "reason", reasonQueueFull,
			"dropped", h.unlogged, "error", errors.New("the hook is too slow: notifications dropped"))
		h.lastDropLog, h.unlogged = now, 0
	}
}

// close stops accepting notifications; run returns once the queue is
// empty.
func (h *hookRunner) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.queue)
	}
}

// run delivers until the queue is closed and empty. ctx aborts the
// delivery in progress and drops the rest. Before it returns it logs
// the drops no line has told of yet, so that the log adds up to the
// dropped count of streampipe.alert.notifications.
func (h *hookRunner) run(ctx context.Context) {
	abandoned := 0
	for n := range h.queue {
		if ctx.Err() != nil {
			h.count(n.Alert, h.kind, resultDropped)
			abandoned++
			continue
		}
		start := time.Now()
		err := h.d.deliver(ctx, n)
		switch {
		case err == nil:
			h.count(n.Alert, h.kind, resultDelivered)
		case ctx.Err() != nil:
			// Stop's bound cut the delivery short: dropped, not failed.
			h.count(n.Alert, h.kind, resultDropped)
			abandoned++
		default:
			h.count(n.Alert, h.kind, resultFailed)
			h.log.Warn(EventHookFailed, "alert", n.Alert, "hook", h.kind, "state", n.State,
				"reason", reasonDelivery, "duration", time.Since(start), "error", err)
		}
	}

	h.mu.Lock()
	unlogged := h.unlogged
	h.unlogged = 0
	h.mu.Unlock()
	if unlogged > 0 {
		h.log.Warn(EventHookFailed, "hook", h.kind, "reason", reasonQueueFull, "dropped", unlogged,
			"error", errors.New("the hook is too slow: notifications dropped"))
	}
	if abandoned > 0 {
		h.log.Warn(EventHookFailed, "hook", h.kind, "reason", reasonShutdown, "dropped", abandoned,
			"error", errors.New("stopped before these notifications were delivered"))
	}
}

// programProblem says why exec.LookPath failed, for people.
func programProblem(err error) string {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return "is not found in PATH"
	case errors.Is(err, fs.ErrNotExist):
		return "does not exist"
	case errors.Is(err, fs.ErrPermission):
		return "is not executable"
	}
	return "cannot be run: " + err.Error()
}

// newDeliverer builds the deliverer of a hook.
func newDeliverer(cfg HookConfig, log *slog.Logger) (deliverer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("alert hook %s: %w", cfg.Kind, err)
	}
	switch cfg.Kind {
	case HookWebhook:
		return newWebhook(cfg), nil
	case HookExec:
		// Find the program now, as a capture command is found when its
		// pipeline starts, rather than when the alert first fires.
		lookup := cfg.Command[0]
		if strings.Contains(lookup, "/") && !filepath.IsAbs(lookup) && cfg.Dir != "" {
			lookup = filepath.Join(cfg.Dir, lookup) // as exec resolves it
		}
		path, err := exec.LookPath(lookup)
		if err != nil {
			why := programProblem(err)
			if cfg.Source != nil {
				written := cfg.Source.Strings("command")[0]
				if written != lookup {
					written = fmt.Sprintf("%q (%s)", written, lookup)
				} else {
					written = strconv.Quote(written)
				}
				return nil, cfg.Source.Errorf("command", "Alert hook program not found",
					"The exec hook's program %s %s. Install it, or fix the path (a path with a slash "+
						"is relative to the configuration file's directory).", written, why)
			}
			return nil, fmt.Errorf("alert hook exec: program %q %s: %w", cfg.Command[0], why, err)
		}
		return &execHook{cfg: cfg, path: path}, nil
	}
	return &logHook{log: log}, nil
}
