// Package pipeline is streampipe's runtime: frames, the stage interfaces, the
// registry of stage kinds, and the engine that links stages with bounded
// channels and runs them through start, run, drain and stop.
//
// # Data model
//
// A [Frame] is one captured image. It is immutable once captured: stages and
// WebSocket clients share the same payload bytes without copying. Frames
// travel between stages inside a [Message], which also names the quality
// tier the frames belong to (empty before a quality stage assigns tiers).
//
// # Stages
//
// A pipeline is a chain: one source, any number of middle stages, and one or
// more sinks that all receive the same stream. A stage implements exactly one
// of [Source], [Processor], [Runner] or [Sink]; the runtime drives it and
// wraps it in the standard accounting (frames in and out, drops by reason,
// time blocked downstream), so a stage author writes none of that.
//
// # Lifecycle
//
// The runtime takes every stage through these steps, in order:
//
//  1. Construct: the registry's factory builds the stage from its decoded
//     configuration. Factories must not touch the outside world, because
//     `streampipe validate` constructs stages too.
//  2. Start: stages implementing [Starter] acquire resources (bind a port,
//     look up a command), sinks first so they are ready before frames flow.
//     A failed start stops the pipeline before any frame is captured.
//  3. Run: every stage runs in its own goroutine. Links are bounded, so a
//     slow stage causes backpressure (or counted drops, where its
//     configuration says so); memory never grows without bound.
//  4. Drain: on stop, only the source is cancelled. Frames in flight keep
//     moving until every link is empty, within the drain timeout.
//  5. Close: stages implementing [Closer] release resources, sinks last.
//
// # Concurrency
//
// The runtime calls each stage from a single goroutine; a stage needs locks
// only for state it shares with goroutines of its own (such as WebSocket
// connections). [Stats] and [Registry] are safe for concurrent use.
package pipeline
