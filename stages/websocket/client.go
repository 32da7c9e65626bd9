package websocket

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/websocket/wire"
	"github.com/streampipe/streampipe/telemetry"
)

// ctrlQueue is the capacity of a client's control queue (quality replies
// and error messages). A client that floods requests faster than they are
// answered waits: its reader blocks, and TCP pushes back.
const ctrlQueue = 8

// queued is one batch in a client's send queue. It is a value, so queueing
// allocates nothing: the prepared message is shared by the whole tier.
type queued struct {
	pm     *websocket.PreparedMessage
	frames int
	tier   int
	// batch and size are for the metrics: the frames' capture times give
	// the latency at socket write. batch points into the pipeline's
	// message, which nobody modifies.
	batch []*pipeline.Frame
	size  int
}

// stopReq says how a connection ends.
type stopReq struct {
	code   int
	reason string
	// sendClose: send a close frame (false when the peer closed, the
	// connection broke, or gorilla already sent one).
	sendClose bool
	// flush: write what is queued before the close frame, until deadline
	// (zero: each write bounded by write_timeout only).
	flush    bool
	deadline time.Time
	// linger: the reader is discarding the client's input after a close
	// gorilla sent; wait for it before closing the socket.
	linger bool
}

// client is one connection. Its writer goroutine (writeLoop) is the only
// one writing to conn; its reader goroutine (readLoop) the only one reading.
type client struct {
	s         *Sink
	conn      *websocket.Conn
	log       *slog.Logger
	session   string
	requested string
	connected time.Time
	hello     []byte

	// tier is the tier the client watches. The writer skips queued
	// batches of any other tier, so after a switch the client never sees
	// a batch of its old tier.
	tier atomic.Int32

	send chan queued
	ctrl chan []byte

	// stop state: req is written once, before stopping is closed.
	stopOnce sync.Once
	stopped  atomic.Bool
	stopping chan struct{}
	req      stopReq

	readerDone chan struct{}
	// limit paces the client's messages (reader only); ignored counts
	// those over the rate since the last note (see noteIgnored).
	limit    *rate.Limiter
	ignored  atomic.Int64
	sent     uint64              // frames written; writer only
	tally    telemetry.SendTally // writer only
	deadline time.Time           // of writes; writer only, see writeDeadline
}

func newClient(s *Sink, conn *websocket.Conn, session, requested string, tier int) *client {
	c := &client{
		s:          s,
		conn:       conn,
		session:    session,
		requested:  requested,
		connected:  time.Now(),
		send:       make(chan queued, s.opts.SendQueue),
		ctrl:       make(chan []byte, ctrlQueue),
		stopping:   make(chan struct{}),
		readerDone: make(chan struct{}),
		limit:      rate.NewLimiter(wire.ClientMessageRate, wire.ClientMessageBurst),
	}
	c.tier.Store(int32(tier))
	return c
}

// enqueue hands q to the client without blocking. It is called only from
// Consume, so there is a single producer: after discarding the oldest
// batch, the retry finds room.
func (c *client) enqueue(q queued) {
	if c.stopped.Load() {
		return
	}
	select {
	case c.send <- q:
		c.s.metrics.Queued(q.tier, len(c.send))
		return
	default:
	}

	// TODO: move a client that keeps overflowing to a lower tier before
	// dropping or closing it; needs a policy setting and a quality message
	// with a new reason, so it waits for the protocol's next revision.
	if c.s.opts.SlowClient == CloseSlow {
		c.s.report.Drop(pipeline.DropSlowClient, q.frames)
		c.stop(stopReq{code: wire.CloseSlowConsumer, reason: wire.CloseText(wire.CloseSlowConsumer), sendClose: true})
		return
	}
	select {
	case old := <-c.send:
		c.s.report.Drop(pipeline.DropSlowClient, old.frames)
	default:
	}
	select {
	case c.send <- q:
	default:
		c.s.report.Drop(pipeline.DropSlowClient, q.frames)
	}
}

// stop asks the connection to end; the first request wins. It never
// blocks.
func (c *client) stop(r stopReq) {
	c.stopOnce.Do(func() {
		c.req = r
		c.stopped.Store(true)
		close(c.stopping)
	})
}

// queueText puts a text message on the control queue, waiting while it is
// full unless the connection is stopping. Only the reader calls it.
func (c *client) queueText(data []byte) {
	select {
	case c.ctrl <- data:
	case <-c.stopping:
	}
}
