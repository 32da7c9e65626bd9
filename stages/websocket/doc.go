// Package websocket is streampipe's WebSocket sink: it serves the frames of
// a pipeline to many browser and program clients at once, each at a quality
// tier it picks, and embeds a viewer page that plays the stream.
//
// The wire protocol is specified in docs/protocol.md and implemented by the
// sibling package wire, whose client the tests and the load tool use.
//
// # Fan-out
//
// Consume encodes each batch once into a single prepared WebSocket message
// and hands it to every client of the batch's tier without blocking: the
// client lists are copy-on-write slices behind atomic pointers, so a
// broadcast takes no lock and allocates nothing per client. Each client has
// a bounded send queue; when it is full the slow_client policy either
// discards the oldest queued batch (counted as a slow_client drop) or closes
// the client with close code 4000.
//
// # Connections
//
// Every connection has exactly two goroutines: a writer, the only one that
// writes to it (hello, batches, replies, pings, the close frame), and a
// reader that handles the client's quality requests and pongs. Whichever
// ends first stops the other; the hub then forgets the client and one log
// line records why, with the close code.
//
// # Lifecycle
//
// Start binds the listener, so a busy port fails before any frame flows,
// and serves HTTP in a goroutine. Close stops accepting connections, then
// lets every client's queue drain (on shutdown or end of stream) before
// closing it with 1001 or 1000, all within the context's deadline.
package websocket
