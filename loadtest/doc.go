// Package loadtest drives swarms of real WebSocket clients against a
// streampipe sink and reports what they received: frames per second per
// tier, latency from capture to receipt, frames missed, and what the server
// process spent on it (CPU and peak memory).
//
// Clients and server are expected to share a clock (the same machine), since
// latency is measured from the capture time each frame carries.
package loadtest
