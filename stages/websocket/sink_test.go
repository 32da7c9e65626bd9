package websocket_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/streampipe/streampipe/pipeline"
	sink "github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

func TestHello(t *testing.T) {
	h := start(t, sink.Options{}, threeTiers())
	wantTiers := []wire.Tier{{Name: "high", FPS: 30}, {Name: "medium", FPS: 20}, {Name: "low", FPS: 10}}
	tests := []struct {
		requested   string
		wantQuality string
		wantFPS     float64
		wantReason  string
	}{
		{"high", "high", 30, wire.ReasonRequested},
		{"medium", "medium", 20, wire.ReasonRequested},
		{"low", "low", 10, wire.ReasonRequested},
		{"", "high", 30, wire.ReasonDefault},
		{"ultra", "high", 30, wire.ReasonUnknownQuality},
	}
	sessions := map[string]bool{}
	for _, tt := range tests {
		t.Run("quality="+tt.requested, func(t *testing.T) {
			c := h.dial(tt.requested)
			got := c.Hello
			if got.Session == "" || sessions[got.Session] {
				t.Errorf("session %q is empty or not unique", got.Session)
			}
			sessions[got.Session] = true
			got.Session = ""
			want := wire.Hello{
				Type:           "hello",
				Version:        1,
				Pipeline:       "test-pipeline",
				Quality:        tt.wantQuality,
				Requested:      tt.requested,
				Reason:         tt.wantReason,
				FPS:            tt.wantFPS,
				ContentType:    "image/jpeg",
				Batch:          wire.Batching{WindowMS: 50, MinSize: 1, MaxSize: 5},
				Tiers:          wantTiers,
				MaxMessageSize: 4096,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("hello (-want +got):\n%s", diff)
			}
			if c.Quality() != tt.wantQuality {
				t.Errorf("client quality %q, want %q", c.Quality(), tt.wantQuality)
			}

			// The sink logs the negotiation with the client's session.
			r, ok := h.logs.find("quality negotiated", "session", c.Hello.Session)
			if !ok {
				t.Fatal(`no "quality negotiated" log line for the session`)
			}
			if r.attrs["quality.requested"] != tt.requested || r.attrs["quality.granted"] != tt.wantQuality ||
				r.attrs["reason"] != tt.wantReason {
				t.Errorf("quality negotiated logged %v", r.attrs)
			}
		})
	}
}

func TestBatchesMatchWhatWasConsumedPerTier(t *testing.T) {
	h := start(t, sink.Options{SendQueue: 64}, threeTiers())
	clients := map[string]*wire.Client{"high": h.dial("high"), "medium": h.dial("medium"), "low": h.dial("low")}

	// Feed batches of 1 to 5 frames to every tier, and one of 300 frames
	// to "low", which must arrive split into 255 + 45.
	sent := map[string][][]*pipeline.Frame{}
	seq := uint64(1)
	for round := range 5 {
		for _, tier := range []string{"high", "medium", "low"} {
			fs := makeFrames(tier, seq, round+1, 100+int(seq)*7)
			seq += uint64(len(fs))
			h.consume(tier, fs...)
			sent[tier] = append(sent[tier], fs)
		}
	}
	big := makeFrames("low", seq, 300, 64)
	h.consume("low", big...)
	sent["low"] = append(sent["low"], big[:255], big[255:])

	for tier, c := range clients {
		t.Run(tier, func(t *testing.T) {
			for i, want := range sent[tier] {
				got := readBatch(t, c)
				if len(got.Frames) != len(want) {
					t.Fatalf("batch %d: %d frames, want %d", i, len(got.Frames), len(want))
				}
				for j, f := range want {
					g := got.Frames[j]
					if g.Seq != f.Seq || !g.Captured.Equal(f.Captured) || !bytes.Equal(g.Payload, f.Payload) {
						t.Fatalf("batch %d frame %d: got seq %d captured %v payload %q..., want seq %d captured %v payload %q...",
							i, j, g.Seq, g.Captured, g.Payload[:min(12, len(g.Payload))],
							f.Seq, f.Captured, f.Payload[:min(12, len(f.Payload))])
					}
				}
				if got.Received.IsZero() {
					t.Errorf("batch %d has no receive time", i)
				}
			}
		})
	}
	if n := h.report.dropped(pipeline.DropSlowClient); n != 0 {
		t.Errorf("%d frames dropped for slow clients, want 0", n)
	}
}

func TestStreamWithoutQualityStage(t *testing.T) {
	h := start(t, sink.Options{}, pipeline.StreamInfo{FPS: 25, ContentType: pipeline.ContentTypeJPEG})
	c := h.dial("")
	if want := []wire.Tier{{Name: "full", FPS: 25}}; !cmp.Equal(c.Hello.Tiers, want) {
		t.Errorf("tiers %v, want %v", c.Hello.Tiers, want)
	}
	if b := c.Hello.Batch; b.MinSize != 1 || b.MaxSize != 1 || b.WindowMS != 0 {
		t.Errorf("batching %+v, want 1 frame per batch", b)
	}
	h.consume("", makeFrames("full", 1, 1, 10)...)
	if got := readBatch(t, c); got.Frames[0].Seq != 1 {
		t.Errorf("got seq %d, want 1", got.Frames[0].Seq)
	}
}

func TestUnknownTierIsDroppedAsInvalid(t *testing.T) {
	h := start(t, sink.Options{}, threeTiers())
	c := h.dial("high")
	h.consume("ultra", makeFrames("ultra", 1, 3, 10)...)
	h.consume("high", makeFrames("high", 4, 1, 10)...)
	if got := readBatch(t, c); got.Frames[0].Seq != 4 {
		t.Errorf("first batch has seq %d, want 4 (the high one)", got.Frames[0].Seq)
	}
	if n := h.report.dropped(pipeline.DropInvalid); n != 3 {
		t.Errorf("invalid drops %d, want 3", n)
	}
}

func TestQualitySwitchMidStream(t *testing.T) {
	h := start(t, sink.Options{SendQueue: 256}, threeTiers())
	c := h.dial("high")

	// Feed high and low batches continuously while the client switches,
	// so the switch races with batches of both tiers in flight.
	stop := make(chan struct{})
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		seq := uint64(1)
		for range 5000 {
			select {
			case <-stop:
				return
			default:
			}
			for _, tier := range []string{"high", "low"} {
				_ = h.sink.Consume(context.Background(), pipeline.Message{Tier: tier, Frames: makeFrames(tier, seq, 1, 32)})
				seq++
			}
			time.Sleep(time.Millisecond)
		}
	}()
	defer func() { close(stop); <-fed }()

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	next := func() wire.Message {
		t.Helper()
		m, err := c.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// Some high batches first, then the request.
	for range 3 {
		if m := next(); m.Type != wire.TypeBatch || tierOf(m.Frames[0].Payload) != "high" {
			t.Fatalf("before the switch: got %s %v, want a high batch", m.Type, m.Frames)
		}
	}
	if err := c.RequestQuality("low"); err != nil {
		t.Fatal(err)
	}

	// Until the reply only high batches; after it only low ones.
	replied, lowAfter := false, 0
	for lowAfter < 20 {
		m := next()
		switch m.Type {
		case wire.TypeQuality:
			if replied {
				t.Fatal("a second quality reply")
			}
			replied = true
			want := wire.QualityReply{Type: "quality", Quality: "low", Requested: "low", Reason: "requested", FPS: 10}
			if diff := cmp.Diff(want, *m.Quality); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		case wire.TypeBatch:
			tier := tierOf(m.Frames[0].Payload)
			if !replied && tier != "high" {
				t.Fatalf("a %s batch before the quality reply", tier)
			}
			if replied && tier != "low" {
				t.Fatalf("a %s batch after the quality reply", tier)
			}
			if replied {
				lowAfter++
			}
		default:
			t.Fatalf("unexpected %s message", m.Type)
		}
	}
	if c.Quality() != "low" {
		t.Errorf("client quality %q, want low", c.Quality())
	}
}

func TestMalformedMessagesGetErrorsAndTheStreamGoesOn(t *testing.T) {
	h := start(t, sink.Options{}, threeTiers())
	c := h.dial("medium")
	tests := []struct {
		name     string
		typ      int
		msg      string
		wantCode string
	}{
		{"not json", websocket.TextMessage, `quality=low`, wire.ErrMalformedMessage},
		{"json but not an object", websocket.TextMessage, `["quality"]`, wire.ErrMalformedMessage},
		{"no type", websocket.TextMessage, `{"quality":"low"}`, wire.ErrMalformedMessage},
		{"type not a string", websocket.TextMessage, `{"type":1}`, wire.ErrMalformedMessage},
		{"quality not a string", websocket.TextMessage, `{"type":"quality","quality":5}`, wire.ErrMalformedMessage},
		{"quality missing", websocket.TextMessage, `{"type":"quality"}`, wire.ErrMalformedMessage},
		{"quality null", websocket.TextMessage, `{"type":"quality","quality":null}`, wire.ErrMalformedMessage},
		{"unknown type", websocket.TextMessage, `{"type":"subscribe"}`, wire.ErrUnknownType},
		{"unknown tier", websocket.TextMessage, `{"type":"quality","quality":"ultra"}`, wire.ErrUnknownQuality},
		{"binary", websocket.BinaryMessage, "SP\x01\x00", wire.ErrUnexpectedBinary},
	}
	seq := uint64(1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.WriteMessage(tt.typ, []byte(tt.msg)); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			_, err := c.NextBatch(ctx)
			var se *wire.ServerError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want an error message", err)
			}
			if se.Code != tt.wantCode || se.Type != "error" || se.Message == "" {
				t.Errorf("error message %+v, want code %q and a message", se.ErrorMessage, tt.wantCode)
			}

			// The connection stays and the client keeps its tier.
			h.consume("medium", makeFrames("medium", seq, 1, 16)...)
			if got := readBatch(t, c); got.Frames[0].Seq != seq {
				t.Errorf("after the error got seq %d, want %d", got.Frames[0].Seq, seq)
			}
			seq++
			if c.Quality() != "medium" {
				t.Errorf("quality %q, want medium", c.Quality())
			}
		})
	}
}

func TestOversizedMessageCloses1009(t *testing.T) {
	h := start(t, sink.Options{MaxMessageSize: 256}, threeTiers())
	c := h.dial("high")
	msg := `{"type":"quality","quality":"` + strings.Repeat("x", 300) + `"}`
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	_, code := readUntilClose(t, c)
	if code != wire.CloseTooBig {
		t.Errorf("close code %d, want %d", code, wire.CloseTooBig)
	}
	if code := h.disconnectCode(c.Hello.Session); code != wire.CloseTooBig {
		t.Errorf("logged code %d, want %d", code, wire.CloseTooBig)
	}
	waitFor(t, "the hub to forget the client", func() bool { return h.sink.Clients() == 0 })
}

func TestOriginPolicy(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  string // "" sends none; "SAME" the sink's own
		wantOK  bool
	}{
		{"no origin header", nil, "", true},
		{"same origin", nil, "SAME", true},
		{"other origin", nil, "http://evil.example", false},
		{"same host other port", nil, "http://127.0.0.1:1", false},
		{"listed origin", []string{"https://app.example"}, "https://app.example", true},
		{"listed origin with default port", []string{"https://app.example:443"}, "https://APP.example", true},
		{"listed but other scheme", []string{"https://app.example"}, "http://app.example", false},
		{"same origin still allowed with a list", []string{"https://app.example"}, "SAME", true},
		{"wildcard", []string{"*"}, "http://anything.example", true},
		{"garbage origin", nil, "::not a url", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, sink.Options{AllowedOrigins: tt.allowed}, threeTiers())
			d := wire.Dialer{Header: http.Header{}}
			switch tt.origin {
			case "":
			case "SAME":
				d.Header.Set("Origin", "http://"+h.sink.Addr().String())
			default:
				d.Header.Set("Origin", tt.origin)
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			c, err := d.Dial(ctx, h.sink.URL(), "low")
			if tt.wantOK {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("connected, want close 1008")
			}
			if code := wire.CloseCode(err); code != wire.ClosePolicy {
				t.Errorf("close code %d (%v), want %d", code, err, wire.ClosePolicy)
			}
			if h.sink.Clients() != 0 {
				t.Errorf("%d clients registered", h.sink.Clients())
			}
		})
	}
}

func TestMaxClientsCloses1013(t *testing.T) {
	h := start(t, sink.Options{MaxClients: 2}, threeTiers())
	a := h.dial("high")
	h.dial("low")

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := wire.Dial(ctx, h.sink.URL(), "high")
	if code := wire.CloseCode(err); code != wire.CloseTryAgainLater {
		t.Fatalf("third client: %v (code %d), want close %d", err, code, wire.CloseTryAgainLater)
	}
	if n := h.sink.Clients(); n != 2 {
		t.Errorf("%d clients, want 2", n)
	}

	// A place frees up when a client leaves.
	a.CloseNow()
	waitFor(t, "the hub to forget the vanished client", func() bool { return h.sink.Clients() == 1 })
	h.dial("medium")
}

func TestCloseCodesByCause(t *testing.T) {
	tests := []struct {
		cause     pipeline.Cause
		wantCode  int
		wantAllIn bool // the queued frames are delivered before the close
	}{
		{pipeline.CauseEndOfStream, wire.CloseNormal, true},
		{pipeline.CauseShutdown, wire.CloseGoingAway, true},
		{pipeline.CauseFailure, wire.CloseInternal, false},
	}
	for _, tt := range tests {
		t.Run(wire.CloseText(tt.wantCode), func(t *testing.T) {
			h := start(t, sink.Options{}, threeTiers())
			c := h.dial("high")
			for i := range 10 {
				h.consume("high", makeFrames("high", uint64(i*3+1), 3, 1000)...)
			}
			// Read while closing, as a live client would: Close waits for
			// each client's answering close frame.
			type result struct {
				frames []uint64
				code   int
				err    error
			}
			read := make(chan result, 1)
			go func() {
				frames, code, err := collect(c)
				read <- result{frames, code, err}
			}()
			h.close(tt.cause)
			r := <-read
			if r.err != nil {
				t.Fatal(r.err)
			}
			frames, code := r.frames, r.code
			if code != tt.wantCode {
				t.Errorf("close code %d, want %d", code, tt.wantCode)
			}
			if tt.wantAllIn && len(frames) != 30 {
				t.Errorf("got %d frames before the close, want all 30", len(frames))
			}
			if got := h.disconnectCode(c.Hello.Session); got != tt.wantCode {
				t.Errorf("logged code %d, want %d", got, tt.wantCode)
			}
		})
	}
}

func TestShutdownFlushesQueuedFramesBefore1001(t *testing.T) {
	// 32 batches of 1 MiB are more than the socket buffers hold while the
	// client (with a small receive buffer) is not reading, so most wait in
	// the send queue when Close is called.
	const batches, size = 32, 1 << 20
	h := start(t, sink.Options{SendQueue: batches, WriteTimeout: wait}, threeTiers())
	c := h.dialWith(wire.Dialer{NetDialContext: receiveBuffer(64 << 10)}, "high")
	for i := range batches {
		h.consume("high", makeFrames("high", uint64(i+1), 1, size)...)
	}
	if q := sink.QueuedBatches(h.sink); q == 0 {
		t.Fatal("nothing queued: the test would not exercise the flush")
	}

	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(pipeline.WithCause(context.Background(), pipeline.CauseShutdown), wait)
		defer cancel()
		closed <- h.sink.Close(ctx)
	}()

	frames, code := readUntilClose(t, c)
	if code != wire.CloseGoingAway {
		t.Errorf("close code %d, want %d", code, wire.CloseGoingAway)
	}
	if len(frames) != batches {
		t.Errorf("got %d frames before the close, want %d", len(frames), batches)
	}
	for i, seq := range frames {
		if seq != uint64(i+1) {
			t.Fatalf("frame %d has seq %d, want %d", i, seq, i+1)
		}
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	if n := h.report.dropped(pipeline.DropShutdown) + h.report.dropped(pipeline.DropSlowClient); n != 0 {
		t.Errorf("%d frames dropped, want 0", n)
	}
}

func TestPingTimeoutCloses4002(t *testing.T) {
	h := start(t, sink.Options{PingInterval: 100 * time.Millisecond, WriteTimeout: 200 * time.Millisecond}, threeTiers())

	// A bare gorilla client that never reads never answers pings.
	conn, _, err := websocket.DefaultDialer.Dial(h.sink.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	waitFor(t, "the silent client to be dropped", func() bool { return h.sink.Clients() == 0 })
	var code int
	waitFor(t, "the disconnect line", func() bool {
		for _, r := range h.logs.all() {
			if r.msg == "client disconnected" {
				code = int(r.attrs["code"].(int64))
				return true
			}
		}
		return false
	})
	if code != wire.ClosePingTimeout {
		t.Errorf("logged code %d, want %d", code, wire.ClosePingTimeout)
	}
}

func TestClientThatClosesIsForgotten(t *testing.T) {
	h := start(t, sink.Options{}, threeTiers())
	c := h.dial("low")
	session := c.Hello.Session
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if code := h.disconnectCode(session); code != wire.CloseNormal {
		t.Errorf("logged code %d, want %d (the client's own)", code, wire.CloseNormal)
	}
	waitFor(t, "the hub to forget the client", func() bool { return h.sink.Clients() == 0 })

	r, _ := h.logs.find("client disconnected", "session", session)
	for _, key := range []string{"reason", "code", "duration", "frames", "remote"} {
		if _, ok := r.attrs[key]; !ok {
			t.Errorf("the disconnect line lacks %q: %v", key, r.attrs)
		}
	}
}

func TestStartFailsOnBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := sink.New(sink.Options{Listen: ln.Addr().String()}, pipeline.Env{Upstream: threeTiers()})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start(context.Background())
	if err == nil {
		s.Close(context.Background())
		t.Fatal("Start succeeded on a busy port")
	}
	for _, want := range []string{"listen on " + ln.Addr().String(), "address already in use", "another program"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("Close after a failed Start: %v", err)
	}
}

func TestCloseWithoutStart(t *testing.T) {
	s, err := sink.New(sink.Options{}, pipeline.Env{Upstream: threeTiers()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("Close: %v", err)
	}
	if s.Addr() != nil || s.URL() != "" {
		t.Errorf("address %v / %q before Start", s.Addr(), s.URL())
	}
}

// TestVanishedClientIsALostConnection: a client that goes away without a
// close frame is logged as a lost connection (1006), not as a client that
// closed, so the connection-drop alert counts it.
func TestVanishedClientIsALostConnection(t *testing.T) {
	h := start(t, sink.DefaultOptions(), threeTiers())
	gone, polite := h.dial("high"), h.dial("high")
	gone.CloseNow()
	polite.Close()
	if code := h.disconnectCode(gone.Hello.Session); code != wire.CloseAbnormal {
		t.Errorf("vanished client: code %d, want 1006", code)
	}
	if code := h.disconnectCode(polite.Hello.Session); code != wire.CloseNormal {
		t.Errorf("client that closed: code %d, want 1000", code)
	}
	// The reason is the word of the connections closed metric.
	for session, want := range map[string]string{
		gone.Hello.Session:   "connection_lost",
		polite.Hello.Session: "client_closed",
	} {
		r, _ := h.logs.find("client disconnected", "session", session)
		if got := r.attrs["reason"]; got != want {
			t.Errorf("session %s: reason %q, want %q", session, got, want)
		}
	}
}

// TestClientMessageRateLimit: a client that floods the server with
// requests has the excess ignored and is told how many, at most once a
// second, so that every request is either answered or counted; the server
// logs only the requests it accepted, and the client keeps its stream.
func TestClientMessageRateLimit(t *testing.T) {
	h := start(t, sink.DefaultOptions(), threeTiers())
	c := h.dial("high")
	const sent = 200
	began := time.Now()
	for i := range sent {
		q := []string{"low", "medium"}[i%2]
		if err := c.RequestQuality(q); err != nil {
			t.Fatal(err)
		}
	}
	// Read the answers until every request is accounted for: a reply for
	// each accepted one, and the ignored ones counted in rate_limited
	// errors, the last of which comes a second after the flood.
	replies, limited, ignored := 0, 0, int64(0)
	for replies+int(ignored) < sent {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		m, err := c.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("after %d replies and %d ignored of %d requests: %v", replies, ignored, sent, err)
		}
		switch {
		case m.Quality != nil:
			replies++
		case m.Error != nil && m.Error.Code == wire.ErrRateLimited:
			limited++
			ignored += m.Error.Ignored
			if want := fmt.Sprintf("%d messages ignored", m.Error.Ignored); m.Error.Ignored > 1 &&
				!strings.HasPrefix(m.Error.Message, want) {
				t.Errorf("rate_limited message %q does not start with %q", m.Error.Message, want)
			}
		default:
			t.Fatalf("unexpected answer %+v", m)
		}
	}
	if replies+int(ignored) != sent {
		t.Errorf("%d replies and %d ignored, want %d requests in all", replies, ignored, sent)
	}
	if replies > wire.ClientMessageBurst+5 || replies < wire.ClientMessageBurst/2 {
		t.Errorf("%d of %d flooded requests answered, want about the burst of %d", replies, sent, wire.ClientMessageBurst)
	}
	if most := int(time.Since(began)/time.Second) + 1; limited < 1 || limited > most {
		t.Errorf("%d rate_limited errors in %v, want 1 to %d: one a second at most", limited, time.Since(began), most)
	}
	n := 0
	for _, r := range h.logs.all() {
		if r.msg == "quality negotiated" {
			n++
		}
	}
	if n > wire.ClientMessageBurst+6 {
		t.Errorf("%d quality lines logged for %d requests: the log is not protected", n, sent)
	}
}

// TestClientMessageRateLimitKeepsStream: after being rate limited, the
// client still receives its batches.
func TestClientMessageRateLimitKeepsStream(t *testing.T) {
	h := start(t, sink.DefaultOptions(), threeTiers())
	c := h.dial("low")
	for range 100 {
		if err := c.WriteMessage(websocket.TextMessage, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the rate_limited error", func() bool {
		_, ok := h.logs.find("client message rejected", "reason", wire.ErrRateLimited)
		return ok
	})
	h.consume("low", makeFrames("low", 7, 1, 64)...)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		b, err := c.NextBatch(ctx)
		cancel()
		var se *wire.ServerError
		if errors.As(err, &se) {
			continue // the answers to the flood
		}
		if err != nil {
			t.Fatalf("after the flood: %v", err)
		}
		if len(b.Frames) != 1 || b.Frames[0].Seq != 7 {
			t.Errorf("after the flood the client got %+v, want frame 7", b.Frames)
		}
		return
	}
}
