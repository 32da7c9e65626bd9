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
// backoff when it crashes, exits or leaves a batch unanswered for
// batch_timeout; the frames it held are dropped with reason plugin_error.
// Once the plugin has failed more than max_restarts times within
// restart_window, on_failure decides: stop the pipeline, pass frames
// through, or drop them. On Linux a plugin dies with its host even when
// the host is killed with SIGKILL.
//
// docs/plugins.md in the repository is the user's guide.
package plugins
