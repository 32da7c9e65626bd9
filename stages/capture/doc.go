// Package capture provides streampipe's capture stages, the sources that
// begin every pipeline:
//
//   - capture "exec" runs a command, such as ffmpeg, and splits the MJPEG
//     stream on its standard output into frames ([ExecKind], [NewExec]);
//   - capture "synthetic" draws a test pattern that needs nothing installed
//     ([SyntheticKind], [NewSynthetic]);
//   - capture "files" plays a directory or glob of JPEG images
//     ([FilesKind], [NewFiles]).
//
// Each kind is a [pipeline.Kind] whose factory converts the decoded
// configuration into an options struct; programs and tests can build the
// same stages from options directly. Every stage emits single-frame
// messages of JPEG frames, numbered from 1 by one [pipeline.Sequencer] for
// the stage's whole life, stamped with the time each frame was complete,
// and describes its stream (frame rate, content type) to later stages.
//
// Like every stage, a capture is driven by one goroutine of the runtime;
// the exec stage adds goroutines of its own for the command, which it
// always stops before Run returns.
package capture
