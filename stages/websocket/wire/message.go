package wire

import (
	"encoding/json"
	"fmt"
)

// Message types: the "type" field of every text message.
const (
	TypeHello   = "hello"
	TypeQuality = "quality"
	TypeError   = "error"
)

// Reasons given in Hello.Reason and QualityReply.Reason for the tier granted.
const (
	// ReasonRequested: the client asked for the granted tier.
	ReasonRequested = "requested"
	// ReasonDefault: the client asked for no tier and got the default.
	ReasonDefault = "default"
	// ReasonUnknownQuality: the client asked for a tier the pipeline does
	// not have and got the default.
	ReasonUnknownQuality = "unknown_quality"
)

// Codes of ErrorMessage.
const (
	// ErrMalformedMessage: the text message is not a JSON object with a
	// string "type".
	ErrMalformedMessage = "malformed_message"
	// ErrUnknownType: the message's type is not one the server accepts.
	ErrUnknownType = "unknown_type"
	// ErrUnknownQuality: a quality request names no tier of the pipeline;
	// the client keeps its tier.
	ErrUnknownQuality = "unknown_quality"
	// ErrUnexpectedBinary: clients may only send text messages.
	ErrUnexpectedBinary = "unexpected_binary"
	// ErrRateLimited: the client sent messages faster than the server
	// accepts them (ClientMessageRate); the excess was ignored.
	ErrRateLimited = "rate_limited"
)

// How fast a client may send messages: ClientMessageRate per second on
// average, in bursts of up to ClientMessageBurst. Messages beyond that are
// ignored and answered, at most once a second, with ErrRateLimited.
const (
	ClientMessageRate  = 10
	ClientMessageBurst = 20
)

// Hello is the first message the server sends on every connection.
type Hello struct {
	Type    string `json:"type"`    // always "hello"
	Version int    `json:"version"` // protocol version, 1
	// Session identifies the connection in the server's logs.
	Session  string `json:"session"`
	Pipeline string `json:"pipeline"`
	// Quality is the granted tier, Requested what the client asked for
	// (empty when nothing), Reason one of the Reason constants.
	Quality   string `json:"quality"`
	Requested string `json:"requested"`
	Reason    string `json:"reason"`
	// FPS is the granted tier's nominal frame rate (0 when unknown).
	FPS float64 `json:"fps"`
	// ContentType is the frames' media type, such as "image/jpeg".
	ContentType string   `json:"content_type"`
	Batch       Batching `json:"batch"`
	// Tiers lists every tier, fastest first.
	Tiers []Tier `json:"tiers"`
	// MaxMessageSize is the largest message the server accepts from the
	// client; a larger one closes the connection with CloseTooBig.
	MaxMessageSize int64 `json:"max_message_size"`
}

// Tier returns the tier called name, if the hello lists it.
func (h *Hello) Tier(name string) (Tier, bool) {
	for _, t := range h.Tiers {
		if t.Name == name {
			return t, true
		}
	}
	return Tier{}, false
}

// Batching describes how frames are grouped into batches.
type Batching struct {
	// WindowMS is how long the batcher waits to fill a batch, in
	// milliseconds.
	WindowMS float64 `json:"window_ms"`
	// MinSize and MaxSize bound the frames per batch (1 and 1 when the
	// pipeline does not batch).
	MinSize int `json:"min_size"`
	MaxSize int `json:"max_size"`
}

// Tier is one quality tier.
type Tier struct {
	Name string  `json:"name"`
	FPS  float64 `json:"fps"`
}

// QualityRequest is sent by a client to change its tier.
type QualityRequest struct {
	Type    string `json:"type"` // always "quality"
	Quality string `json:"quality"`
}

// QualityReply answers a QualityRequest that named a known tier. Batches
// after it are of the granted tier only.
type QualityReply struct {
	Type      string  `json:"type"` // always "quality"
	Quality   string  `json:"quality"`
	Requested string  `json:"requested"`
	Reason    string  `json:"reason"`
	FPS       float64 `json:"fps"`
}

// ErrorMessage tells the client a message of its was rejected. The
// connection stays open.
type ErrorMessage struct {
	Type    string `json:"type"` // always "error"
	Code    string `json:"code"`
	Message string `json:"message"`
	// Ignored is, for rate_limited, how many messages were ignored since
	// the last rate_limited error.
	Ignored int64 `json:"ignored,omitempty"`
}

// ServerError is an ErrorMessage received by a Client, as an error value.
// It is not fatal: the connection stays open.
type ServerError struct{ ErrorMessage }

func (e *ServerError) Error() string {
	return fmt.Sprintf("server rejected a message: %s: %s", e.Code, e.Message)
}

// envelope reads only the type of a text message.
type envelope struct {
	Type *string `json:"type"`
}

// MessageType returns the "type" of a text message. It fails when data is
// not a JSON object or its type is missing or not a string.
func MessageType(data []byte) (string, error) {
	var e envelope
	if err := json.Unmarshal(data, &e); err != nil {
		return "", fmt.Errorf("wire: message type: %w", err)
	}
	if e.Type == nil {
		return "", fmt.Errorf("wire: message type: the object has no \"type\" string")
	}
	return *e.Type, nil
}
