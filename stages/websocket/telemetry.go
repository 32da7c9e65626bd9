package websocket

import (
	"net/http"
	"time"

	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// statusPath serves the process's /status document beside the viewer, so
// the page's status panel reads it from its own origin.
const statusPath = "/status"

// statusScriptPath serves the status panel's script.
const statusScriptPath = "/status.js"

func (s *Sink) serveStatus(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	s.status.ServeHTTP(w, r)
}

// encodeLogEvery is the least time between two warnings about batches the
// sink could not encode; every dropped frame is still counted.
const encodeLogEvery = 10 * time.Second

// clientClosed is the reason of a connection the client closed.
const clientClosed = "client closed"

// closeCode bounds the code label: a client may close with any code from
// 1000 to 4999, so codes this sink does not use itself count as 0.
func closeCode(code int) int {
	switch code {
	case wire.CloseNormal, wire.CloseGoingAway, wire.CloseAbnormal, wire.ClosePolicy, wire.CloseTooBig,
		wire.CloseInternal, wire.CloseTryAgainLater, wire.CloseSlowConsumer, wire.CloseWriteTimeout,
		wire.ClosePingTimeout:
		return code
	}
	return 0
}

// closeReason names why a connection ended, for the reason label of
// streampipe.websocket.connections.closed and the reason key of the
// "client disconnected" line (one vocabulary for both, listed in
// docs/logging.md): a word from a small fixed set, never text the client
// sent. The close frame's text is wire.CloseText's, meant for people.
func closeReason(r stopReq) string {
	if r.reason == clientClosed {
		return "client_closed"
	}
	switch r.code {
	case wire.CloseNormal:
		return "end_of_stream"
	case wire.CloseGoingAway:
		return "shutdown"
	case wire.CloseInternal:
		return "pipeline_failed"
	case wire.CloseSlowConsumer:
		return "slow_client"
	case wire.CloseWriteTimeout:
		return "write_timeout"
	case wire.ClosePingTimeout:
		return "ping_timeout"
	case wire.CloseTooBig:
		return "too_big"
	case wire.CloseAbnormal:
		return "connection_lost"
	}
	return "other"
}
