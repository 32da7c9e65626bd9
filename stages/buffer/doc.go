// Package buffer provides the buffer stage: a bounded FIFO of frames that
// decouples a bursty or fast upstream from a slower downstream.
//
// The buffer reads its input as fast as it arrives and hands frames on one
// at a time, in order, each as a single-frame message that keeps its tier.
// It never holds more than its capacity in frames. What happens when it is
// full is the user's choice (see [Policy]):
//
//   - [DropOldest] evicts the oldest queued frames to make room, so the
//     stream stays as fresh as possible: the right default for live video.
//   - [DropNewest] discards the incoming frames and keeps what it has.
//   - [Block] stops reading its input until there is room, which pushes
//     back on the stages before it (ultimately the capture).
//
// Frames discarded by a drop policy are reported as
// [pipeline.DropBufferFull]. Frames still queued when the pipeline is
// aborted are reported as [pipeline.DropShutdown].
package buffer
