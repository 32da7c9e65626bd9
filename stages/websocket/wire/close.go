package wire

import (
	"errors"

	"github.com/gorilla/websocket"
)

// Close codes the server sends. Codes below 4000 are RFC 6455's; 4000 to
// 4999 are streampipe's own. docs/protocol.md says which invite a reconnect.
const (
	// CloseNormal: the stream ended (the capture had nothing more).
	CloseNormal = websocket.CloseNormalClosure // 1000
	// CloseGoingAway: the server is shutting down.
	CloseGoingAway = websocket.CloseGoingAway // 1001
	// CloseAbnormal is never sent: it stands for a connection that ended
	// without a close frame, in logs and in CloseCode's result.
	CloseAbnormal = websocket.CloseAbnormalClosure // 1006
	// ClosePolicy: the request's Origin is not allowed.
	ClosePolicy = websocket.ClosePolicyViolation // 1008
	// CloseTooBig: the client sent a message over max_message_size.
	CloseTooBig = websocket.CloseMessageTooBig // 1009
	// CloseInternal: the pipeline failed.
	CloseInternal = websocket.CloseInternalServerErr // 1011
	// CloseTryAgainLater: the server has max_clients clients already.
	CloseTryAgainLater = websocket.CloseTryAgainLater // 1013

	// CloseSlowConsumer: the client's send queue overflowed under the
	// slow_client = "close" policy.
	CloseSlowConsumer = 4000
	// CloseWriteTimeout: a write to the client took longer than
	// write_timeout.
	CloseWriteTimeout = 4001
	// ClosePingTimeout: the client answered no ping (and sent nothing)
	// within ping_interval + write_timeout.
	ClosePingTimeout = 4002
)

// CloseText returns the reason text the server sends with code.
func CloseText(code int) string {
	switch code {
	case CloseNormal:
		return "end of stream"
	case CloseGoingAway:
		return "server shutting down"
	case CloseAbnormal:
		return "connection lost"
	case ClosePolicy:
		return "origin not allowed"
	case CloseTooBig:
		return "message too big"
	case CloseInternal:
		return "pipeline failed"
	case CloseTryAgainLater:
		return "server full"
	case CloseSlowConsumer:
		return "slow consumer"
	case CloseWriteTimeout:
		return "write timeout"
	case ClosePingTimeout:
		return "ping timeout"
	}
	return ""
}

// CloseCode returns the close code carried by err, a read error of a
// Client: the code of the server's close frame, or CloseAbnormal when the
// connection ended without one. It returns 0 when err is nil.
func CloseCode(err error) int {
	if err == nil {
		return 0
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return CloseAbnormal
}
