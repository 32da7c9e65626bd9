// Package plugins runs custom stages as plugin processes: programs built
// with package plugins/sdk that streampipe starts, talks to over gRPC
// (hashicorp/go-plugin, AutoMTLS) and supervises.
//
// # Integration
//
// The configuration loader wires plugins in with four calls:
//
//  1. Decode each `plugin "NAME" { ... }` block against [Spec] into a
//     pipeline.Config, and turn it into a [Decl] with [DeclFromConfig].
//  2. Call [Kind] for each Decl. It starts the plugin once to read its
//     schema (or reads it from Options.CacheDir) and returns a
//     pipeline.Kind of family "stage" named after the block; register it
//     in a clone of the built-in registry.
//  3. Decode `stage "NAME" "LABEL" { ... }` blocks against that kind's
//     Spec like any other stage; its factory builds a [*Stage] without
//     starting anything.
//  4. Call [CleanupAll] on every exit path the program controls.
//
// # Supervision
//
// A [Stage] starts its plugin process in Start, streams batches of frames
// to it with several batches in flight, and restarts it with exponential
// backoff when it crashes, exits or leaves its oldest batch unanswered for
// batch_timeout per frame of that batch; the frames it held are dropped
// with reason plugin_error. Once the plugin has failed more than
// max_restarts times within restart_window, on_failure decides: stop the
// pipeline, pass frames through, or drop them.
//
// The host checks what the plugin returns before it passes it on:
// sequence numbers must increase per tier, frames need a capture time
// and a payload; other frames are dropped as invalid. Frames the plugin
// leaves out on purpose are counted as skipped.
//
// Each plugin runs in a process group of its own (on Linux), which is
// killed when the plugin ends or is killed, so that a wrapper script's
// children and helpers the plugin started go with it, and no wait of the
// host depends on them. A plugin dies with its host even when the host is
// killed with SIGKILL, and one built with the SDK takes its group along.
//
// docs/plugins.md in the repository is the user's guide.
package plugins
