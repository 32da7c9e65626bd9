package websocket

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// readLoop reads the client's messages until the first error: quality
// requests are answered, anything else rejected with an error message.
// Reading also runs gorilla's handling of pings, pongs and the close frame,
// so it goes on, discarding requests, while the connection is stopping.
func (c *client) readLoop() {
	defer c.s.conns.Done()
	defer close(c.readerDone)

	// A client that sends nothing, not even the pong to our ping, for a
	// ping interval plus the time the ping may take to leave is gone.
	wait := c.s.opts.PingInterval + c.s.opts.WriteTimeout
	c.conn.SetReadLimit(c.s.opts.MaxMessageSize)
	_ = c.conn.SetReadDeadline(time.Now().Add(wait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(wait))
	})

	var buf bytes.Buffer // reused for every message
	for {
		typ, r, err := c.conn.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			c.stop(readFailure(err))
			if errors.Is(err, websocket.ErrReadLimit) {
				c.discardInput()
			}
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(wait))
		if c.stopped.Load() {
			continue
		}
		c.handle(typ, buf.Bytes())
	}
}

// readFailure classifies the error that ended the read loop.
func readFailure(err error) stopReq {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure:
		// gorilla has answered the client's close frame already. (It
		// reports a connection that ended without one as 1006, which is
		// a lost connection, below.)
		return stopReq{code: ce.Code, reason: clientClosed}
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has sent 1009 already.
		return stopReq{code: wire.CloseTooBig, reason: wire.CloseText(wire.CloseTooBig), linger: true}
	case errors.As(err, &ne) && ne.Timeout():
		return stopReq{code: wire.ClosePingTimeout, reason: wire.CloseText(wire.ClosePingTimeout), sendClose: true}
	}
	return stopReq{code: wire.CloseAbnormal, reason: wire.CloseText(wire.CloseAbnormal)}
}

// discardInput reads and drops what the client still sends after an
// oversized message, until the input has been idle for a moment, the client
// closes, or closeGrace passes. Closing a socket with unread input resets
// the connection, and the reset could destroy the 1009 close frame before
// the client reads it.
func (c *client) discardInput() {
	const idle = 250 * time.Millisecond
	nc := c.conn.NetConn()
	end := time.Now().Add(closeGrace)
	buf := make([]byte, 4<<10)
	for time.Now().Before(end) {
		deadline := time.Now().Add(idle)
		if deadline.After(end) {
			deadline = end
		}
		if err := nc.SetReadDeadline(deadline); err != nil {
			return
		}
		if _, err := nc.Read(buf); err != nil {
			return
		}
	}
}

// handle answers one message from the client.
func (c *client) handle(typ int, data []byte) {
	// A client may not make the server work, or log, as fast as it can
	// send: messages over the rate are ignored, and a second after the
	// first of them the client is told how many were (see noteIgnored).
	if !c.limit.Allow() {
		if c.ignored.Add(1) == 1 {
			time.AfterFunc(ignoredNoteDelay, c.noteIgnored)
		}
		return
	}
	if typ != websocket.TextMessage {
		c.reject(wire.ErrUnexpectedBinary, "clients may send only text messages")
		return
	}
	kind, err := wire.MessageType(data)
	if err != nil {
		c.reject(wire.ErrMalformedMessage, `a message must be a JSON object with a string "type"`)
		return
	}
	switch kind {
	case wire.TypeQuality:
		var q struct {
			Quality *string `json:"quality"`
		}
		if err := json.Unmarshal(data, &q); err != nil || q.Quality == nil {
			c.reject(wire.ErrMalformedMessage, `a quality request is {"type":"quality","quality":"TIER"}`)
			return
		}
		c.switchTier(*q.Quality)
	default:
		c.reject(wire.ErrUnknownType, fmt.Sprintf("unknown message type %q; the server accepts only %q",
			clip(kind), wire.TypeQuality))
	}
}

// ignoredNoteDelay is how long after the first ignored message the client
// is told about it and about every other one ignored meanwhile: one
// rate_limited error a second at most, however long a flood lasts.
const ignoredNoteDelay = time.Second

// noteIgnored tells the client how many of its messages were ignored
// since the last note. It runs on a timer, not in the reader, so that the
// last messages of a flood are counted even when nothing follows them.
func (c *client) noteIgnored() {
	n := c.ignored.Swap(0)
	if n == 0 || c.stopped.Load() {
		return
	}
	data, err := json.Marshal(wire.ErrorMessage{
		Type: wire.TypeError,
		Code: wire.ErrRateLimited,
		Message: fmt.Sprintf("%s ignored: at most %d a second (bursts of %d)",
			count(n, "message", "messages"), wire.ClientMessageRate, wire.ClientMessageBurst),
		Ignored: n,
	})
	if err != nil {
		return // cannot happen: plain strings and numbers
	}
	c.log.Debug("client message rejected", "reason", wire.ErrRateLimited, "ignored", n)
	c.queueText(data)
}

// count renders n with the singular or plural noun.
func count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// switchTier moves the client to the tier it asked for. The order matters:
// the writer drops batches of the old tier from the moment the tier is set,
// the reply is queued before any batch of the new tier can be, and the
// writer sends queued replies before batches.
func (c *client) switchTier(name string) {
	t, ok := c.s.lookupTier(name)
	if !ok {
		c.reject(wire.ErrUnknownQuality, fmt.Sprintf("unknown quality %q; the tiers are %s",
			clip(name), c.s.tierNames()))
		return
	}
	from := int(c.tier.Swap(int32(t)))
	reply, err := json.Marshal(wire.QualityReply{
		Type:      wire.TypeQuality,
		Quality:   c.s.tiers[t].Name,
		Requested: name,
		Reason:    wire.ReasonRequested,
		FPS:       c.s.tiers[t].FPS,
	})
	if err != nil {
		return // cannot happen: plain strings and numbers
	}
	c.queueText(reply)
	c.s.hub.move(c, t)
	c.log.Info("quality negotiated", qualityAttrs(name, c.s.tiers[t].Name), "reason", wire.ReasonRequested)
	if from != t {
		c.s.metrics.TierChanged(from, t, wire.ReasonRequested)
		c.log.Info("quality changed",
			slog.Group("quality", "from", c.s.tiers[from].Name, "to", c.s.tiers[t].Name),
			"reason", wire.ReasonRequested)
	}
}

// reject answers a bad message with an error message; the connection stays.
func (c *client) reject(code, message string) {
	data, err := json.Marshal(wire.ErrorMessage{Type: wire.TypeError, Code: code, Message: message})
	if err != nil {
		return
	}
	c.log.Debug("client message rejected", "reason", code)
	c.queueText(data)
}

// clip shortens client-supplied text before it is echoed or logged.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
