package alerting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"
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
	// shell; Dir is its working directory (empty: the process's).
	Command []string
	Dir     string
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

// Check reports a hook that cannot work.
func (h *HookConfig) Check() error {
	switch h.Kind {
	case HookLog:
		return nil
	case HookWebhook:
		u, err := url.Parse(h.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fieldErr("url", "%q is not an http:// or https:// URL", h.URL)
		}
		if h.Retries < 0 {
			return fieldErr("retries", "must not be negative")
		}
		return nil
	case HookExec:
		if len(h.Command) == 0 || h.Command[0] == "" {
			return fieldErr("command", "needs the program to run, such as [\"./notify.sh\"]")
		}
		return nil
	}
	return fieldErr("hook", "%q is not a hook kind; use %s", h.Kind, strings.Join(HookKinds, ", "))
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
	dropped     int
}

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
	h.dropped++
	if now := time.Now(); now.Sub(h.lastDropLog) >= dropLogEvery {
		h.log.Warn(EventHookFailed, "alert", n.Alert, "hook", h.kind, "reason", "queue_full",
			"dropped", h.dropped, "error", errors.New("the hook is too slow: notifications dropped"))
		h.lastDropLog, h.dropped = now, 0
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
// delivery in progress and drops the rest.
func (h *hookRunner) run(ctx context.Context) {
	for n := range h.queue {
		if ctx.Err() != nil {
			h.count(n.Alert, h.kind, resultDropped)
			continue
		}
		start := time.Now()
		if err := h.d.deliver(ctx, n); err != nil {
			h.count(n.Alert, h.kind, resultFailed)
			h.log.Warn(EventHookFailed, "alert", n.Alert, "hook", h.kind, "state", n.State,
				"reason", "delivery", "duration", time.Since(start), "error", err)
			continue
		}
		h.count(n.Alert, h.kind, resultDelivered)
	}
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
		return &execHook{cfg: cfg}, nil
	}
	return &logHook{log: log}, nil
}
