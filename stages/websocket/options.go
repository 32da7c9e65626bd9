package websocket

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SlowClientPolicy says what happens when a client's send queue is full.
type SlowClientPolicy string

// Slow-client policies.
const (
	// DropOldest discards the oldest queued batch to make room; the frames
	// are counted as slow_client drops. A client that stops reading
	// altogether is still closed by write_timeout.
	DropOldest SlowClientPolicy = "drop_oldest"
	// CloseSlow closes the client with close code 4000 (slow consumer).
	CloseSlow SlowClientPolicy = "close"
)

// Options configure a Sink. The zero value of every field but Viewer and
// AllowedOrigins means its default; start from DefaultOptions to get the
// viewer page as the HCL defaults do.
type Options struct {
	// Listen is the TCP address to listen on, host:port; port 0 picks a
	// free port (see Sink.Addr).
	Listen string
	// Path is the URL path of the stream endpoint.
	Path string
	// AllowedOrigins lists browser origins (scheme://host[:port]) allowed
	// to connect besides the sink's own; "*" allows every origin.
	// Requests without an Origin header (programs) are always allowed.
	AllowedOrigins []string
	// MaxClients bounds the connected clients; one more is closed with
	// 1013 (try again later).
	MaxClients int
	// SendQueue is the number of batches queued per client.
	SendQueue int
	// SlowClient is the policy when a client's queue is full.
	SlowClient SlowClientPolicy
	// WriteTimeout bounds every write to a client; a write that takes
	// longer ends the connection (close code 4001). The deadline is renewed
	// once half of it is used, so a stuck write fails after between half
	// and all of WriteTimeout.
	WriteTimeout time.Duration
	// PingInterval is how often the server pings each client. A client
	// that sends nothing, not even a pong, for PingInterval+WriteTimeout
	// is closed (4002).
	PingInterval time.Duration
	// MaxMessageSize bounds one message from a client, in bytes; a larger
	// one closes the connection with 1009.
	MaxMessageSize int64
	// Viewer serves the embedded viewer page at "/".
	Viewer bool
}

// Defaults, as in the HCL specification.
const (
	DefaultListen         = "127.0.0.1:8080"
	DefaultPath           = "/stream"
	DefaultMaxClients     = 10000
	DefaultSendQueue      = 16
	DefaultSlowClient     = DropOldest
	DefaultWriteTimeout   = 5 * time.Second
	DefaultPingInterval   = 20 * time.Second
	DefaultMaxMessageSize = 4 << 10
)

// Limits checked by New (and by the HCL ranges).
const (
	MaxSendQueue      = 4096
	MinMaxMessageSize = 128
	MaxMaxMessageSize = 1 << 20
)

// viewerScriptPath is where the viewer's script is served; the stream path
// may not take it, nor "/", while the viewer is on.
const viewerScriptPath = "/viewer.js"

// DefaultOptions returns the options the HCL defaults give.
func DefaultOptions() Options {
	return Options{
		Listen:         DefaultListen,
		Path:           DefaultPath,
		MaxClients:     DefaultMaxClients,
		SendQueue:      DefaultSendQueue,
		SlowClient:     DefaultSlowClient,
		WriteTimeout:   DefaultWriteTimeout,
		PingInterval:   DefaultPingInterval,
		MaxMessageSize: DefaultMaxMessageSize,
		Viewer:         true,
	}
}

// withDefaults fills zero fields with their defaults.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Listen == "" {
		o.Listen = d.Listen
	}
	if o.Path == "" {
		o.Path = d.Path
	}
	if o.MaxClients == 0 {
		o.MaxClients = d.MaxClients
	}
	if o.SendQueue == 0 {
		o.SendQueue = d.SendQueue
	}
	if o.SlowClient == "" {
		o.SlowClient = d.SlowClient
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = d.WriteTimeout
	}
	if o.PingInterval == 0 {
		o.PingInterval = d.PingInterval
	}
	if o.MaxMessageSize == 0 {
		o.MaxMessageSize = d.MaxMessageSize
	}
	return o
}

// check validates o (after withDefaults), joining every problem found.
func (o Options) check() error {
	var errs []error
	if err := checkListen(o.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %w", err))
	}
	if err := checkPath(o.Path, o.Viewer); err != nil {
		errs = append(errs, fmt.Errorf("path: %w", err))
	}
	if _, err := parseOrigins(o.AllowedOrigins); err != nil {
		errs = append(errs, fmt.Errorf("allowed_origins: %w", err))
	}
	if o.MaxClients < 1 {
		errs = append(errs, fmt.Errorf("max_clients: %d is not at least 1", o.MaxClients))
	}
	if o.SendQueue < 1 || o.SendQueue > MaxSendQueue {
		errs = append(errs, fmt.Errorf("send_queue: %d is not between 1 and %d", o.SendQueue, MaxSendQueue))
	}
	if o.SlowClient != DropOldest && o.SlowClient != CloseSlow {
		errs = append(errs, fmt.Errorf("slow_client: %q is neither %q nor %q", o.SlowClient, DropOldest, CloseSlow))
	}
	if o.WriteTimeout <= 0 {
		errs = append(errs, fmt.Errorf("write_timeout: %v is not positive", o.WriteTimeout))
	}
	if o.PingInterval <= 0 {
		errs = append(errs, fmt.Errorf("ping_interval: %v is not positive", o.PingInterval))
	}
	if o.MaxMessageSize < MinMaxMessageSize || o.MaxMessageSize > MaxMaxMessageSize {
		errs = append(errs, fmt.Errorf("max_message_size: %d bytes is not between %d and %d",
			o.MaxMessageSize, MinMaxMessageSize, MaxMaxMessageSize))
	}
	return errors.Join(errs...)
}

// checkListen checks a host:port address without binding it.
func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

// checkPath checks the stream path: absolute, plain, and clear of the
// viewer's own paths.
func checkPath(path string, viewer bool) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("%q must start with /", path)
	}
	if i := strings.IndexFunc(path, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`?#%"'<>\`, r)
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(path[i:])
		return fmt.Errorf("%q: character %q is not allowed in the path (use ASCII letters, digits and - . _ ~ /)", path, r)
	}
	if viewer && (path == "/" || path == viewerScriptPath) {
		return fmt.Errorf("%q is taken by the viewer page; choose another path or set viewer = false", path)
	}
	return nil
}
