package websocket

import (
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// ServeHTTP routes the sink's endpoints: the stream at the configured path
// and, when the viewer is on, the page at "/" and its script.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == s.opts.Path:
		s.serveStream(w, r)
	case s.opts.Viewer && r.URL.Path == "/":
		s.serveIndex(w, r)
	case s.opts.Viewer && r.URL.Path == viewerScriptPath:
		serveScript(w, r, "viewer/viewer.js")
	case s.opts.Viewer && s.status != nil && r.URL.Path == statusPath:
		s.serveStatus(w, r)
	case s.opts.Viewer && r.URL.Path == statusScriptPath:
		serveScript(w, r, "viewer/status.js")
	default:
		http.NotFound(w, r)
	}
}

// serveStream upgrades the request, admits the client (or closes it with
// the reason), sends nothing itself and returns: the client's two
// goroutines take over, so net/http's buffers for the request are freed.
func (s *Sink) serveStream(w http.ResponseWriter, r *http.Request) {
	// Registered before the hijack, so Close's wait (which starts after
	// the HTTP server stopped) cannot miss this connection.
	s.conns.Add(1)
	defer s.conns.Done()

	originOK := s.origins.allows(r)
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// gorilla has answered with an HTTP error already.
		s.log.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "error", err)
		return
	}
	if !originOK {
		s.refuse(conn, r, wire.ClosePolicy, refusedOrigin, "origin", clip(r.Header.Get("Origin")))
		return
	}

	requested := clip(r.URL.Query().Get("quality"))
	t, reason := s.grant(requested)
	session := rand.Text()
	c := newClient(s, conn, session, requested, t)
	c.log = s.log.With("session", session, "remote", r.RemoteAddr)
	c.hello, err = json.Marshal(wire.Hello{
		Type:           wire.TypeHello,
		Version:        wire.Version,
		Session:        session,
		Pipeline:       s.pipeline,
		Quality:        s.tiers[t].Name,
		Requested:      requested,
		Reason:         reason,
		FPS:            s.tiers[t].FPS,
		ContentType:    s.contentType,
		Batch:          s.batching,
		Tiers:          s.tiers,
		MaxMessageSize: s.opts.MaxMessageSize,
	})
	if err != nil {
		// Cannot happen: the hello holds plain strings and numbers.
		s.refuse(conn, r, wire.CloseInternal, refusedInternal, "error", err)
		return
	}

	switch err := s.hub.add(c, t); err {
	case nil:
	case errFull:
		s.refuse(conn, r, wire.CloseTryAgainLater, refusedFull)
		return
	default:
		s.refuse(conn, r, wire.CloseGoingAway, refusedClosing)
		return
	}
	s.metrics.Opened(t)
	c.log.Info("client connected", slog.Group("quality", "requested", requested))
	c.log.Info("quality negotiated", qualityAttrs(requested, s.tiers[t].Name), "reason", reason)

	s.conns.Add(2)
	go c.writeLoop()
	go c.readLoop()
}

// grant picks the tier for a connection that asked for requested.
func (s *Sink) grant(requested string) (tier int, reason string) {
	if requested == "" {
		return 0, wire.ReasonDefault
	}
	if t, ok := s.lookupTier(requested); ok {
		return t, wire.ReasonRequested
	}
	return 0, wire.ReasonUnknownQuality
}

// lookupTier finds a tier by the name clients use.
func (s *Sink) lookupTier(name string) (int, bool) {
	for i := range s.tiers {
		if s.tiers[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

// tierNames lists the tiers for error messages.
func (s *Sink) tierNames() string {
	names := make([]string, len(s.tiers))
	for i, t := range s.tiers {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// refuse closes a connection that was not admitted, with code, sending
// nothing else. It waits briefly for the client's answering close so that
// the close frame is not lost to a connection reset. Every refusal is
// counted by reason, one of the refused* words; the log line is rate
// limited and carries the count (see refusalLog), with attrs after the
// remote address and code.
func (s *Sink) refuse(conn *websocket.Conn, r *http.Request, code int, reason string, attrs ...any) {
	defer conn.Close()
	s.metrics.Refused(reason)
	s.rejectLog.refused(s.log, reason, append([]any{"remote", r.RemoteAddr, "code", code}, attrs...)...)

	deadline := time.Now().Add(min(s.opts.WriteTimeout, closeGrace))
	if err := conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(code, wire.CloseText(code)), deadline); err != nil {
		return
	}
	conn.SetReadLimit(s.opts.MaxMessageSize)
	if err := conn.SetReadDeadline(time.Now().Add(closeGrace)); err != nil {
		return
	}
	for range 16 {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

// qualityAttrs groups the requested and granted tier under "quality".
func qualityAttrs(requested, granted string) slog.Attr {
	return slog.Group("quality", "requested", requested, "granted", granted)
}
