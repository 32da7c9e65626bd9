package websocket

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/gorilla/websocket"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// writeLoop owns every write to the connection: the hello, then batches,
// control messages and pings until the connection stops, then the close.
func (c *client) writeLoop() {
	defer c.s.conns.Done()
	ping := time.NewTicker(c.s.opts.PingInterval)
	defer ping.Stop()

	err := c.writeText(c.hello)
	c.hello = nil
	for err == nil {
		// Control messages go first: a quality reply must reach the
		// client before any batch of the tier it grants.
		if err = c.writeControls(); err != nil {
			break
		}
		select {
		case data := <-c.ctrl:
			err = c.writeText(data)
		case q := <-c.send:
			if err = c.writeControls(); err == nil {
				err = c.writeBatch(q)
			}
		case <-ping.C:
			c.s.metrics.Flush(&c.tally)
			err = c.conn.WriteControl(websocket.PingMessage, nil, c.writeDeadline())
		case <-c.stopping:
			if c.req.flush {
				err = c.flush()
			}
			c.finish(err)
			return
		}
	}
	c.stop(writeFailure(err))
	c.finish(err)
}

// writeControls writes every queued control message.
func (c *client) writeControls() error {
	for range ctrlQueue {
		select {
		case data := <-c.ctrl:
			if err := c.writeText(data); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

func (c *client) writeText(data []byte) error {
	if err := c.conn.SetWriteDeadline(c.writeDeadline()); err != nil {
		return err
	}
	return c.conn.WriteMessage(websocket.TextMessage, data)
}

// writeBatch writes q unless it belongs to a tier the client left.
func (c *client) writeBatch(q queued) error {
	if q.tier != int(c.tier.Load()) {
		return nil
	}
	if err := c.conn.SetWriteDeadline(c.writeDeadline()); err != nil {
		return err
	}
	if err := c.conn.WritePreparedMessage(q.pm); err != nil {
		return err
	}
	c.s.metrics.Sent(&c.tally, q.tier, q.batch, q.size, time.Now())
	c.sent += uint64(q.frames)
	return nil
}

// flush writes what is queued, for a goodbye after the last frames. The
// queue gets at most one more batch once stopped is set, so the loop is
// bounded by its capacity.
func (c *client) flush() error {
	for range cap(c.send) + 1 {
		if err := c.writeControls(); err != nil {
			return err
		}
		select {
		case q := <-c.send:
			if err := c.writeBatch(q); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

// writeDeadline is the deadline of the next write: write_timeout from
// now, or the flush deadline when that comes first. To spare the runtime a
// timer update on every write (a measurable cost with thousands of
// clients), the deadline is moved only once less than half of
// write_timeout is left, so a write gets between half and all of
// write_timeout. It is called by the writer goroutine only.
func (c *client) writeDeadline() time.Time {
	now := time.Now()
	if c.deadline.Sub(now) < c.s.opts.WriteTimeout/2 {
		c.deadline = now.Add(c.s.opts.WriteTimeout)
	}
	d := c.deadline
	if c.stopped.Load() && !c.req.deadline.IsZero() && c.req.deadline.Before(d) {
		d = c.req.deadline
	}
	return d
}

// writeFailure classifies a failed write.
func writeFailure(err error) stopReq {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// Best effort: after a timed-out write gorilla refuses further
		// writes, so the close frame will rarely get through.
		return stopReq{code: wire.CloseWriteTimeout, reason: wire.CloseText(wire.CloseWriteTimeout), sendClose: true}
	}
	return stopReq{code: wire.CloseAbnormal, reason: wire.CloseText(wire.CloseAbnormal)}
}

// finish ends the connection after the writer stopped: it sends the close
// frame, waits briefly for the client's answer (closing at once could reset
// the connection and lose the frame), closes the socket, forgets the
// client and logs why it left.
func (c *client) finish(writeErr error) {
	r := c.req
	await := r.linger
	if r.sendClose && writeErr == nil {
		deadline := time.Now().Add(min(c.s.opts.WriteTimeout, closeGrace))
		err := c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(r.code, r.reason), deadline)
		await = await || err == nil
	}
	if await {
		select {
		case <-c.readerDone:
		case <-time.After(closeGrace):
		}
	}
	c.conn.Close()
	<-c.readerDone
	c.s.hub.remove(c)

	// Account for what the client will never get.
	left := 0
drain:
	for range cap(c.send) + 1 {
		select {
		case q := <-c.send:
			left += q.frames
		default:
			break drain
		}
	}
	switch {
	case left == 0:
	case r.code == wire.CloseSlowConsumer:
		c.s.report.Drop(pipeline.DropSlowClient, left)
	case r.flush:
		c.s.report.Drop(pipeline.DropShutdown, left)
	}

	// The reader has stopped, so the tier no longer changes. The metric
	// and the line give the same reason word.
	reason := closeReason(r)
	c.s.metrics.Flush(&c.tally)
	c.s.metrics.Closed(int(c.tier.Load()), reason, closeCode(r.code), time.Since(c.connected))

	level := slog.LevelInfo
	switch r.code {
	case wire.CloseSlowConsumer, wire.CloseWriteTimeout, wire.ClosePingTimeout:
		level = slog.LevelWarn
	}
	c.log.Log(context.Background(), level, "client disconnected",
		"reason", reason, "code", r.code, "duration", time.Since(c.connected), "frames", c.sent)
}
