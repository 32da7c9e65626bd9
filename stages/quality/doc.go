// Package quality provides the quality stage, which splits one captured
// stream into quality tiers: the same pictures at lower frame rates and,
// where asked, smaller sizes or stronger JPEG compression, so that each
// client can take the tier its connection sustains.
//
// # Frame rate
//
// A tier of f frames per second over a capture of F takes an evenly spaced
// subset of the frames, chosen by sequence number: frame s is taken when
// floor(s*f/F) > floor((s-1)*f/F). At F = 30 a 20 fps tier takes two
// frames of every three, never skipping two in a row, and a 10 fps tier
// one in three. Because the choice depends only on the sequence number,
// the pattern holds across restarts and gaps, and costs one multiplication
// and one remainder per frame and tier. Rates are turned into an exact
// fraction first (12.5 of 25 is 1/2, 29.97 of 30 is 999/1000), so no
// rounding error accumulates. Frames a tier leaves out are reported as
// skipped, once per tier, not as drops.
//
// # Re-encoding
//
// A tier with scale below 1 or with jpeg_quality set is re-encoded. Each
// input frame that such a tier takes is decoded once (shared by every
// re-encoding tier), scaled, and encoded once per tier; the result is a
// new frame with the same sequence number and capture time, shared by
// every client of that tier. Tiers without re-encoding pass the captured
// payload through untouched, at no cost beyond the frame choice. Frames
// that cannot be decoded are dropped as invalid from re-encoding tiers
// only; a tier that passes frames through still delivers them.
//
// Re-encoding costs about 10 ms of CPU per 720x405 frame with Go's image
// libraries, spread over one worker per CPU, and it is paid whether or not
// any client watches the tier: a pipeline with idle re-encoding tiers
// still spends that CPU. Declare only the tiers you serve.
//
// TODO: skip re-encoding tiers no sink consumes; that needs sinks to
// report their demand back upstream, which the runtime cannot carry yet.
//
// # Tiers and the default
//
// With no tier blocks, the stage uses [DefaultTiers] (high 30 fps, medium
// 20, low 10, frame rate only), each clamped to the capture's rate. The
// stream description the stage publishes lists the default tier first
// (the `default` attribute, or the first declared tier), then the others
// in declared order: sinks treat the first tier as the default.
package quality
