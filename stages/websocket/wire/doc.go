// Package wire is streampipe's WebSocket wire format: the binary batch that
// carries frames, the JSON control messages, the close codes, and a small
// client that speaks all of it.
//
// The protocol is specified in docs/protocol.md; this package is its
// reference implementation and the tests of the WebSocket sink hold the
// server to it.
//
// # Batches
//
// Every binary message the server sends is one batch: a 4-byte header
// ("SP", version 1, frame count N from 1 to 255), then N frames, each a
// 20-byte header (sequence number, capture time in Unix nanoseconds, payload
// length, all big-endian) followed by the payload. [AppendBatch] encodes a
// batch and [DecodeBatch] decodes one, rejecting anything malformed with an
// error that wraps [ErrMalformed] and never panicking.
//
// # Control messages
//
// Text messages are JSON objects with a "type" field: the server's [Hello]
// (always first), [QualityReply] and [ErrorMessage], and the client's
// [QualityRequest].
//
// # Client
//
// [Dial] connects, waits for the hello and returns a [Client] whose
// [Client.NextBatch] reads batches with their receive time. Tests and the
// load tool use it; it is safe for one reading goroutine plus any number of
// goroutines calling [Client.RequestQuality] and [Client.Close].
package wire
