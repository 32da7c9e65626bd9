package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// TypeBatch is Message.Type for a binary message (a batch of frames).
const TypeBatch = "batch"

// Client defaults.
const (
	DefaultReadLimit        = 64 << 20
	DefaultHandshakeTimeout = 10 * time.Second
	// writeWait bounds the client's own writes (quality requests, close).
	writeWait = 5 * time.Second
)

// Dialer holds the options for connecting to a streampipe WebSocket sink.
// The zero value is ready to use.
type Dialer struct {
	// Header is sent with the opening handshake, for example an Origin.
	Header http.Header
	// ReadLimit bounds the size of one message from the server; larger
	// ones end the connection. Zero means DefaultReadLimit.
	ReadLimit int64
	// HandshakeTimeout bounds the opening handshake (not the wait for the
	// hello, which ctx bounds). Zero means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// NetDialContext, when set, opens the TCP connection (the load tool
	// uses it to choose buffer sizes).
	NetDialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client is one connection to a streampipe WebSocket sink. One goroutine
// may read (Next, NextBatch) while others call RequestQuality, WriteMessage
// and Close.
type Client struct {
	// Hello is the server's first message.
	Hello Hello

	conn *websocket.Conn

	// Read side, owned by the reading goroutine.
	in      bytes.Buffer // reused for every message
	buf     []byte       // the last message, in in
	frames  []Frame
	readErr error

	// wmu serialises writes: gorilla allows one writer at a time.
	wmu sync.Mutex

	qmu     sync.Mutex
	quality string
}

// Message is one message received from the server. Exactly one of Frames,
// Hello, Quality, Error and Text is set, as Type says.
type Message struct {
	// Type is TypeBatch for a binary message, else the JSON "type".
	Type string
	// Received is when the whole message had been read.
	Received time.Time
	// Size is the message's length in bytes.
	Size int

	Frames  []Frame // a batch; payloads valid until the next read
	Hello   *Hello
	Quality *QualityReply
	Error   *ErrorMessage
	// Text holds a text message of a type this package does not know,
	// valid until the next read.
	Text []byte
}

// Batch is one batch of frames with its receive time.
type Batch struct {
	Received time.Time
	// Frames are in the order sent. Their payloads are valid until the
	// next read; copy them to keep them.
	Frames []Frame
	// Size is the message's length in bytes.
	Size int
}

// Dial connects to a sink with the zero Dialer; see Dialer.Dial.
func Dial(ctx context.Context, rawURL, quality string) (*Client, error) {
	var d Dialer
	return d.Dial(ctx, rawURL, quality)
}

// Dial connects to the sink at rawURL (ws://host:port/path), asking for
// quality ("" asks for none, which grants the default tier), and waits for
// the hello. ctx bounds the whole call. When the server refuses the client
// (full, bad origin) the error wraps the *websocket.CloseError, whose code
// CloseCode returns.
func (d *Dialer) Dial(ctx context.Context, rawURL, quality string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("wire: dial: %w", err)
	}
	if quality != "" {
		q := u.Query()
		q.Set("quality", quality)
		u.RawQuery = q.Encode()
	}

	wd := websocket.Dialer{
		HandshakeTimeout: d.HandshakeTimeout,
		NetDialContext:   d.NetDialContext,
		ReadBufferSize:   32 << 10,
		WriteBufferSize:  1 << 10,
	}
	if wd.HandshakeTimeout <= 0 {
		wd.HandshakeTimeout = DefaultHandshakeTimeout
	}
	conn, resp, err := wd.DialContext(ctx, u.String(), d.Header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("wire: dial %s: %w (HTTP status %s)", u.Redacted(), err, resp.Status)
		}
		return nil, fmt.Errorf("wire: dial %s: %w", u.Redacted(), err)
	}
	limit := d.ReadLimit
	if limit <= 0 {
		limit = DefaultReadLimit
	}
	conn.SetReadLimit(limit)

	// The server always speaks first, with the hello.
	c := &Client{conn: conn}
	m, err := c.Next(ctx)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("wire: dial %s: waiting for the hello: %w", u.Redacted(), err)
	}
	if m.Hello == nil {
		conn.Close()
		return nil, fmt.Errorf("wire: dial %s: the first message is a %q, not a hello", u.Redacted(), m.Type)
	}
	if m.Hello.Version != Version {
		conn.Close()
		return nil, fmt.Errorf("wire: dial %s: the server speaks protocol version %d, this client %d",
			u.Redacted(), m.Hello.Version, Version)
	}
	c.Hello = *m.Hello
	c.quality = m.Hello.Quality
	return c, nil
}

// Quality returns the tier granted last: the hello's, or that of the latest
// quality reply read.
func (c *Client) Quality() string {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.quality
}

// Next reads the next message of any type. ctx bounds the wait. Any error
// is final: the connection is unusable afterwards, and every later call
// returns the same error. A close from the server is a *websocket.CloseError
// (see CloseCode).
func (c *Client) Next(ctx context.Context) (Message, error) {
	if c.readErr != nil {
		return Message{}, c.readErr
	}
	m, err := c.next(ctx)
	if err != nil {
		// The socket's deadline may fire a moment before ctx's own timer:
		// report that as ctx's end too.
		var ne net.Error
		deadline, ok := ctx.Deadline()
		switch {
		case ctx.Err() != nil:
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		case ok && errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(deadline):
			err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
		}
		c.readErr = err
	}
	return m, err
}

func (c *Client) next(ctx context.Context) (Message, error) {
	// gorilla reads cannot be cancelled except through the deadline, so
	// ctx's end moves the deadline into the past.
	deadline, _ := ctx.Deadline()
	if err := c.conn.SetReadDeadline(deadline); err != nil {
		return Message{}, err
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { c.conn.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
	}

	typ, r, err := c.conn.NextReader()
	if err != nil {
		return Message{}, err
	}
	c.in.Reset()
	_, err = c.in.ReadFrom(r)
	c.buf = c.in.Bytes()
	if err != nil {
		return Message{}, err
	}
	m := Message{Received: time.Now(), Size: len(c.buf)}

	if typ == websocket.BinaryMessage {
		m.Type = TypeBatch
		c.frames, err = DecodeBatchInto(c.frames, c.buf)
		if err != nil {
			return Message{}, err
		}
		m.Frames = c.frames
		return m, nil
	}
	if m.Type, err = MessageType(c.buf); err != nil {
		return Message{}, err
	}
	switch m.Type {
	case TypeHello:
		m.Hello = new(Hello)
		err = json.Unmarshal(c.buf, m.Hello)
	case TypeQuality:
		m.Quality = new(QualityReply)
		if err = json.Unmarshal(c.buf, m.Quality); err == nil {
			c.qmu.Lock()
			c.quality = m.Quality.Quality
			c.qmu.Unlock()
		}
	case TypeError:
		m.Error = new(ErrorMessage)
		err = json.Unmarshal(c.buf, m.Error)
	default:
		m.Text = c.buf
	}
	if err != nil {
		return Message{}, fmt.Errorf("wire: decode %s message: %w", m.Type, err)
	}
	return m, nil
}

// NextBatch reads until the next batch and returns it. Quality replies on
// the way update Quality; text messages of unknown types are skipped. An
// error message from the server is returned as a *ServerError, which is not
// final: call NextBatch again. Other errors are final, as for Next.
func (c *Client) NextBatch(ctx context.Context) (Batch, error) {
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return Batch{}, err
		}
		switch m.Type {
		case TypeBatch:
			return Batch{Received: m.Received, Frames: m.Frames, Size: m.Size}, nil
		case TypeError:
			return Batch{}, &ServerError{*m.Error}
		}
	}
}

// RequestQuality asks the server to switch the client to tier quality. The
// answer (a quality reply, or an error for an unknown tier) arrives through
// Next or NextBatch; batches after the reply are of the new tier.
func (c *Client) RequestQuality(quality string) error {
	data, err := json.Marshal(QualityRequest{Type: TypeQuality, Quality: quality})
	if err != nil {
		return fmt.Errorf("wire: request quality: %w", err)
	}
	if err := c.WriteMessage(websocket.TextMessage, data); err != nil {
		return fmt.Errorf("wire: request quality: %w", err)
	}
	return nil
}

// WriteMessage sends one raw message (websocket.TextMessage or
// BinaryMessage). It exists for tests of how servers handle bad input.
func (c *Client) WriteMessage(messageType int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.conn.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return err
	}
	return c.conn.WriteMessage(messageType, data)
}

// LocalAddr returns the client's end of the connection.
func (c *Client) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// Close sends a normal close frame (best effort) and closes the connection.
// It does not wait for the server's answer.
func (c *Client) Close() error {
	c.wmu.Lock()
	_ = c.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.wmu.Unlock()
	return c.conn.Close()
}

// CloseNow closes the connection without a close frame, as a client that
// vanishes would.
func (c *Client) CloseNow() error { return c.conn.Close() }
