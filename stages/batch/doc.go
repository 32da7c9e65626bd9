// Package batch provides the batch stage, which groups frames of the same
// quality tier into messages of up to max_size frames, so that a sink can
// send several frames per network message when frames come faster than
// the network turns messages around.
//
// Frames of different tiers are never mixed, and within a tier the order
// is kept. How long a frame may wait for company is the user's trade of
// latency against fewer, larger messages:
//
//   - window = 0 (the default) never waits on a clock. After receiving a
//     message the stage also takes every message already waiting in its
//     input; a tier's batch goes out as soon as it reaches max_size, or
//     when the input is momentarily empty and the batch has at least
//     min_size frames. With min_size = 1 this adds no latency at all:
//     batches only form from frames that were queued anyway (a burst, or
//     a sink that fell behind). With min_size > 1 a batch waits for its
//     tier's next frames, which costs up to min_size-1 frame intervals of
//     that tier (at 10 fps and min_size 3, up to 200 ms).
//   - window > 0 holds a tier's batch open for at most window after its
//     first frame. It goes out when it reaches max_size or when the window
//     expires, then even below min_size: the window bounds the added
//     latency, so min_size has no effect. Expect each frame to wait up to
//     window.
//   - max_size bounds the message; a larger one trades latency for fewer
//     messages only while frames are waiting.
//
// When the input closes, every pending batch goes out, even below
// min_size. When the pipeline is aborted, pending frames are reported as
// [pipeline.DropShutdown].
package batch
