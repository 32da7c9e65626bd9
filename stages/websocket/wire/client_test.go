package wire_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

const hello = `{"type":"hello","version":1,"session":"s1","pipeline":"p","quality":"high","requested":"",` +
	`"reason":"default","fps":30,"content_type":"image/jpeg","batch":{"window_ms":0,"min_size":1,"max_size":1},` +
	`"tiers":[{"name":"high","fps":30},{"name":"low","fps":10}],"max_message_size":4096}`

// scripted serves one WebSocket connection that sends msgs in order, then
// echoes the client's text messages back as quality replies until the
// client leaves. It returns the URL and the query of the handshake.
func scripted(t *testing.T, msgs ...any) (url string, query <-chan string) {
	t.Helper()
	q := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case q <- r.URL.RawQuery:
		default:
		}
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, m := range msgs {
			switch m := m.(type) {
			case string:
				conn.WriteMessage(websocket.TextMessage, []byte(m))
			case []byte:
				conn.WriteMessage(websocket.BinaryMessage, m)
			case int:
				conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(m, "bye"))
				conn.ReadMessage() // the answering close
				return
			}
		}
		for range 100 {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
			conn.WriteMessage(websocket.TextMessage,
				[]byte(`{"type":"quality","quality":"low","requested":"low","reason":"requested","fps":10}`))
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/stream", q
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestDialReadsHello(t *testing.T) {
	url, query := scripted(t, hello)
	c, err := wire.Dial(ctx(t), url, "high")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if q := <-query; q != "quality=high" {
		t.Errorf("handshake query %q, want quality=high", q)
	}
	if c.Hello.Session != "s1" || c.Hello.FPS != 30 || len(c.Hello.Tiers) != 2 || c.Quality() != "high" {
		t.Errorf("hello %+v", c.Hello)
	}
	if tier, ok := c.Hello.Tier("low"); !ok || tier.FPS != 10 {
		t.Errorf("Tier(low) = %v, %v", tier, ok)
	}
}

func TestDialRejects(t *testing.T) {
	tests := []struct {
		name     string
		first    any
		wantText string
		wantCode int
	}{
		{"batch first", mustEncode(t), "not a hello", 0},
		{"other version", strings.Replace(hello, `"version":1`, `"version":2`, 1), "version 2", 0},
		{"not json", "hello", "message type", 0},
		{"refused", wire.CloseTryAgainLater, "waiting for the hello", wire.CloseTryAgainLater},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := scripted(t, tt.first)
			c, err := wire.Dial(ctx(t), url, "")
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not say %q", err, tt.wantText)
			}
			if tt.wantCode != 0 && wire.CloseCode(err) != tt.wantCode {
				t.Errorf("close code %d, want %d", wire.CloseCode(err), tt.wantCode)
			}
		})
	}
}

func TestClientReadsInOrder(t *testing.T) {
	url, _ := scripted(t, hello,
		`{"type":"error","code":"unknown_quality","message":"no"}`,
		`{"type":"future","x":1}`,
		mustEncode(t),
		wire.CloseGoingAway,
	)
	c, err := wire.Dial(ctx(t), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()

	_, err = c.NextBatch(ctx(t))
	var se *wire.ServerError
	if !errors.As(err, &se) || se.Code != "unknown_quality" {
		t.Fatalf("first NextBatch: %v, want the server's error", err)
	}
	b, err := c.NextBatch(ctx(t)) // skips the unknown type
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Frames) != 1 || b.Frames[0].Seq != 9 || string(b.Frames[0].Payload) != "jpeg" || b.Received.IsZero() {
		t.Errorf("batch %+v", b)
	}
	_, err = c.NextBatch(ctx(t))
	if wire.CloseCode(err) != wire.CloseGoingAway {
		t.Errorf("after the batch: %v, want close 1001", err)
	}
	if _, again := c.NextBatch(ctx(t)); again == nil || again.Error() != err.Error() {
		t.Errorf("a read after the end returned %v, want the same error", again)
	}
}

func TestRequestQuality(t *testing.T) {
	url, _ := scripted(t, hello)
	c, err := wire.Dial(ctx(t), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.RequestQuality("low"); err != nil {
		t.Fatal(err)
	}
	m, err := c.Next(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != wire.TypeQuality || m.Quality.Quality != "low" || c.Quality() != "low" {
		t.Errorf("got %+v, quality %q", m, c.Quality())
	}
}

func TestNextHonoursContext(t *testing.T) {
	url, _ := scripted(t, hello)
	c, err := wire.Dial(ctx(t), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next with an expiring context: %v, want DeadlineExceeded", err)
	}

	url2, _ := scripted(t, hello)
	c2, err := wire.Dial(ctx(t), url2, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	cancelled, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel2)
	if _, err := c2.Next(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a cancelled context: %v, want Canceled", err)
	}
}

func mustEncode(t *testing.T) []byte {
	t.Helper()
	b, err := wire.EncodeBatch([]*pipeline.Frame{pipeline.NewFrame(9, time.Unix(5, 0), pipeline.ContentTypeJPEG, []byte("jpeg"))})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCloseCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{&websocket.CloseError{Code: 4000}, 4000},
		{errors.Join(errors.New("ctx"), &websocket.CloseError{Code: 1001}), 1001},
		{errors.New("reset"), wire.CloseAbnormal},
	}
	for _, tt := range tests {
		if got := wire.CloseCode(tt.err); got != tt.want {
			t.Errorf("CloseCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	for _, code := range []int{1000, 1001, 1006, 1008, 1009, 1011, 1013, 4000, 4001, 4002} {
		if wire.CloseText(code) == "" {
			t.Errorf("close code %d has no text", code)
		}
	}
}

func TestMessageType(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`{"type":"quality"}`, "quality", false},
		{`{"type":""}`, "", false},
		{`{"kind":"quality"}`, "", true},
		{`{"type":null}`, "", true},
		{`{"type":3}`, "", true},
		{`[]`, "", true},
		{`nope`, "", true},
		{``, "", true},
	}
	for _, tt := range tests {
		got, err := wire.MessageType([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("MessageType(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
