package websocket

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/websocket/wire"
	"github.com/streampipe/streampipe/telemetry"
)

// implicitTier names the single tier of a pipeline without a quality stage:
// every frame, at the capture's rate.
const implicitTier = "full"

// Timing of the close handshake and of Close.
const (
	// closeGrace is how long a connection waits for the client's answering
	// close frame before the TCP connection is closed.
	closeGrace = 2 * time.Second
	// abortGrace is how long Close waits for connections to end after it
	// closed them forcibly at its context's deadline.
	abortGrace = 5 * time.Second
	// readHeaderTimeout bounds an HTTP request's headers.
	readHeaderTimeout = 10 * time.Second
)

// Sink is the WebSocket sink. It implements pipeline.Sink, pipeline.Starter
// and pipeline.Closer. Consume must be called from one goroutine at a time
// (the runtime does); Addr, URL, Clients and ServeHTTP are safe from any
// goroutine.
type Sink struct {
	opts     Options
	pipeline string
	log      *slog.Logger
	report   pipeline.Reporter
	origins  originPolicy

	// What the hello tells every client.
	tiers       []wire.Tier
	implicit    bool // no upstream tiers: untiered messages go to tiers[0]
	contentType string
	batching    wire.Batching

	upgrader websocket.Upgrader
	hub      hub
	index    []byte // the rendered viewer page

	// scratch is Consume's encoding buffer. NewPreparedMessage copies what
	// it is given, so one buffer serves every batch.
	scratch []byte

	mu        sync.Mutex
	ln        net.Listener
	srv       *http.Server
	serveDone chan struct{}
	started   bool
	closed    bool

	// conns counts the goroutines that hold a hijacked connection: stream
	// handlers past the upgrade and every client's two pumps.
	conns sync.WaitGroup

	unknownTierWarned atomic.Bool
	rejectLog         refusalLog
	encodeLog         logLimiter // the drops are counted; the warning is rate limited

	// metrics records connections, tiers and sends; nil when telemetry
	// is off. status serves /status for the viewer's panel, or is nil.
	metrics *telemetry.WebSocket
	status  http.Handler
}

// New returns a sink. It checks opts (zero fields take their defaults, see
// Options) and describes the stream to clients from env.Upstream, but
// touches nothing outside: Start binds the port.
func New(opts Options, env pipeline.Env) (*Sink, error) {
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("websocket sink: %w", err)
	}
	origins, _ := parseOrigins(opts.AllowedOrigins) // checked above

	s := &Sink{
		opts:        opts,
		pipeline:    env.Pipeline,
		log:         env.Logger,
		report:      env.Report,
		origins:     origins,
		contentType: env.Upstream.ContentType,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.report == nil {
		s.report = pipeline.NopReporter{}
	}
	if s.contentType == "" {
		s.contentType = pipeline.ContentTypeJPEG
	}

	// The tiers clients choose from; without a quality stage there is one.
	for _, t := range env.Upstream.Tiers {
		s.tiers = append(s.tiers, wire.Tier{Name: t.Name, FPS: t.FPS})
	}
	if len(s.tiers) == 0 {
		s.implicit = true
		s.tiers = []wire.Tier{{Name: implicitTier, FPS: env.Upstream.FPS}}
	}
	names := make([]string, len(s.tiers))
	for i, t := range s.tiers {
		names[i] = t.Name
	}
	s.metrics = telemetry.NewWebSocket(env, names)
	s.status = env.Status

	b := env.Upstream.Batch
	s.batching = wire.Batching{WindowMS: float64(b.Window) / float64(time.Millisecond), MinSize: b.MinSize, MaxSize: b.MaxSize}
	if b.MaxSize == 0 {
		s.batching.MinSize, s.batching.MaxSize = 1, 1
	}

	s.hub.init(len(s.tiers), opts.MaxClients)
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: opts.WriteTimeout,
		ReadBufferSize:   1 << 10,
		WriteBufferSize:  4 << 10,
		WriteBufferPool:  &sync.Pool{},
		// The origin is checked after the upgrade so that a refused page
		// learns why (close code 1008) instead of seeing a bare 403.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	if opts.Viewer {
		page, err := renderIndex(opts.Path, env.Pipeline)
		if err != nil {
			return nil, fmt.Errorf("websocket sink: %w", err)
		}
		s.index = page
	}
	return s, nil
}

// Start binds the listener and serves HTTP in a goroutine until Close.
func (s *Sink) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return errors.New("websocket sink: already started or closed")
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.opts.Listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: %w; something holds the port: another program, or "+
				"another listener of this run (a sink or the telemetry server) on the same port under "+
				"another host name: stop it or choose another listen address", s.opts.Listen, err)
		}
		return fmt.Errorf("listen on %s: %w", s.opts.Listen, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.serveDone = make(chan struct{})
	s.started = true
	go func() {
		defer close(s.serveDone)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "error", err)
		}
	}()

	// The address goes into the message: the log vocabulary has no key
	// for it, and this line is printed once.
	msg := "listening on " + s.urlLocked()
	if s.opts.Viewer {
		msg += ", viewer at http://" + ln.Addr().String() + "/"
	}
	s.log.Info(msg)
	if s.origins.any {
		s.log.Warn(`allowed_origins holds "*": pages of any site may read the stream`)
	}
	return nil
}

// Addr returns the address the sink listens on, or nil before Start.
func (s *Sink) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL returns the stream's URL, ws://ADDR/PATH, or "" before Start.
func (s *Sink) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urlLocked()
}

func (s *Sink) urlLocked() string {
	if s.ln == nil {
		return ""
	}
	return "ws://" + s.ln.Addr().String() + s.opts.Path
}

// Clients returns the number of connected clients.
func (s *Sink) Clients() int { return s.hub.count() }

// Consume broadcasts m to the clients of its tier. It encodes each batch
// once (splitting messages of more than 255 frames) and never blocks on a
// client. A message of an unknown tier is counted as an invalid drop.
func (s *Sink) Consume(ctx context.Context, m pipeline.Message) error {
	t, ok := s.tierIndex(m.Tier)
	if !ok {
		s.report.Drop(pipeline.DropInvalid, len(m.Frames))
		if s.unknownTierWarned.CompareAndSwap(false, true) {
			s.log.Warn("frames of an unknown tier dropped; is the sink placed after the quality stage?",
				"quality", m.Tier, "reason", "unknown_tier")
		}
		return nil
	}
	clients := s.hub.tier(t)
	if len(clients) == 0 {
		return nil // nobody watches this tier: skip the encoding too
	}

	for frames := m.Frames; len(frames) > 0; {
		n := min(len(frames), wire.MaxFrames)
		batch := frames[:n]
		frames = frames[n:]

		var err error
		s.scratch, err = wire.AppendBatch(s.scratch[:0], batch)
		if err != nil {
			s.report.Drop(pipeline.DropInvalid, n)
			if s.encodeLog.allow(time.Now(), encodeLogEvery) {
				s.log.Warn("frames dropped: cannot encode batch", "error", err, "frames", n)
			}
			continue
		}
		pm, err := websocket.NewPreparedMessage(websocket.BinaryMessage, s.scratch)
		if err != nil {
			s.report.Drop(pipeline.DropInvalid, n)
			if s.encodeLog.allow(time.Now(), encodeLogEvery) {
				s.log.Warn("frames dropped: cannot prepare message", "error", err, "frames", n)
			}
			continue
		}
		q := queued{pm: pm, frames: n, tier: t, batch: batch, size: len(s.scratch)}
		for _, c := range clients {
			c.enqueue(q)
		}
	}

	// Do not pin a buffer grown by one unusually large batch.
	if cap(s.scratch) > maxScratch {
		s.scratch = nil
	}
	return nil
}

// maxScratch is the largest encoding buffer Consume keeps between calls.
const maxScratch = 4 << 20

// tierIndex maps a message's tier name to an index into s.tiers.
func (s *Sink) tierIndex(name string) (int, bool) {
	if s.implicit && name == "" {
		return 0, true
	}
	for i := range s.tiers {
		if s.tiers[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

// Close stops accepting connections and closes every client: on end of
// stream with 1000 and on shutdown with 1001, each after its queue has
// drained; on a pipeline failure at once with 1011. ctx's deadline bounds
// it all: at the deadline the remaining connections are cut, and frames
// still queued for a goodbye after the last frames are counted as shutdown
// drops.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv, serveDone := s.srv, s.serveDone
	s.mu.Unlock()

	// Stop accepting first, so that no client arrives after the goodbyes.
	// Hijacked connections are ours to close, not the server's.
	var errs []error
	if srv != nil {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			errs = append(errs, fmt.Errorf("stop http server: %w", err))
		}
		<-serveDone
	}

	// Say goodbye to every client.
	req := stopReq{sendClose: true, flush: true}
	switch pipeline.CauseFromContext(ctx) {
	case pipeline.CauseEndOfStream:
		req.code = wire.CloseNormal
	case pipeline.CauseShutdown:
		req.code = wire.CloseGoingAway
	default:
		req.code, req.flush = wire.CloseInternal, false
	}
	req.reason = wire.CloseText(req.code)
	req.deadline, _ = ctx.Deadline()
	clients := s.hub.shutdown()
	for _, c := range clients {
		c.stop(req)
	}

	// Wait for every connection to end, cutting them at the deadline.
	done := make(chan struct{})
	go func() {
		s.conns.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range clients {
			c.conn.Close()
		}
		select {
		case <-done:
		case <-time.After(abortGrace):
			errs = append(errs, fmt.Errorf("close: connections still open %v after the deadline", abortGrace))
		}
	}
	s.rejectLog.flush(s.log)
	s.log.Debug("websocket sink closed", "reason", closeReason(req), "code", req.code)
	return errors.Join(errs...)
}

// Interface guards.
var (
	_ pipeline.Sink    = (*Sink)(nil)
	_ pipeline.Starter = (*Sink)(nil)
	_ pipeline.Closer  = (*Sink)(nil)
	_ http.Handler     = (*Sink)(nil)
)
