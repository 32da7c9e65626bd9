package sdk

import (
	"context"
	"log/slog"

	"github.com/streampipe/streampipe/pipeline"
)

// Plugin describes a plugin stage: what it is, the schema of its settings,
// and how to make one. It is plain data; [Serve] serves it.
type Plugin struct {
	// Name is the plugin's own name, used in its logs and in messages. The
	// name users write in pipeline.hcl comes from their `plugin` block.
	Name string
	// Version is the plugin's release, such as "1.2.0".
	Version string
	// Summary is one line for `streampipe stages`; Doc may say more.
	Summary string
	Doc     string
	// Stability tells users how much the plugin may still change; empty
	// means development.
	Stability pipeline.Stability
	// Spec declares the settings the stage block accepts: names, types,
	// docs, defaults, required attributes, ranges and allowed values. The
	// host decodes and checks the user's block against it, so `streampipe
	// validate` reports mistakes at their line and column, exactly as for
	// built-in stages. Nested blocks are not supported, no setting may be
	// called "name" (streampipe names every stage with it), a Required
	// setting has no Default, and OneOf applies to TypeString settings
	// only; Serve panics on a Spec that breaks these rules.
	Spec pipeline.Spec
	// New returns a new, unconfigured stage. It is called once per plugin
	// process, before Configure.
	New func() Stage
}

// Stage is what a plugin author implements.
//
// # Lifecycle
//
// A plugin process serves exactly one stage instance:
//
//  1. New builds the stage.
//  2. Configure receives the settings, once, before any frame.
//  3. Process is called for every message, one at a time, in order.
//  4. Close is called once when the pipeline stops; the process is then
//     stopped.
//
// If the process crashes (a panic is fine: the host logs its text) or stops
// answering, the host starts a fresh process and goes through the steps
// again, so a stage must not rely on state surviving a crash.
//
// # Concurrency
//
// The SDK calls the methods from one goroutine at a time; a stage needs
// locks only for goroutines of its own.
type Stage interface {
	// Configure receives the settings, already decoded and checked by the
	// host against Plugin.Spec (types, ranges, allowed values, required
	// attributes and defaults are done). It checks what the schema cannot
	// express and acquires resources. Report a problem with a setting as
	// c.Errorf(name, summary, detail...) so the user sees which attribute
	// is wrong; any other error fails the stage as a whole.
	Configure(ctx context.Context, c *pipeline.Config, env Env) error
	// Process handles one message: frames of one quality tier, oldest
	// first. It returns the frames to pass on, in order: it may drop
	// frames (return fewer; the host counts them as skipped), transform
	// them (use Frame.Derive, which keeps the sequence number and capture
	// time), or add frames. Returning an input frame unchanged is cheap:
	// its payload does not cross the process boundary again. Input frames
	// are read-only.
	//
	// Every frame returned must carry what clients rely on, and the host
	// checks it: a Seq greater than that of every frame passed on before
	// it on this tier (WebSocket clients are promised strictly increasing
	// sequence numbers, so an added frame needs a number of its own, and
	// an input frame may be returned once only); a non-zero Captured, the
	// capture time latency is measured from (an added frame usually takes
	// the one of the frame it was made from); a non-empty Payload; and a
	// ContentType (left empty, the input's is used). A frame that breaks
	// these rules is dropped and counted with reason invalid, and the host
	// warns at most once per interval. A frame that would not fit under the
	// message size limit is dropped and counted with reason plugin_error.
	//
	// An error drops this message's frames (the host counts them with
	// reason plugin_error and logs the error) and processing goes on with
	// the next message. ctx is cancelled when the host goes away.
	Process(ctx context.Context, m pipeline.Message) ([]*pipeline.Frame, error)
	// Close releases what Configure acquired.
	Close(ctx context.Context) error
}

// Env is what a stage learns about where it runs, at Configure.
type Env struct {
	// Pipeline and Stage name the instance, as written in pipeline.hcl.
	Pipeline string
	Stage    string
	// Upstream describes the stream the stage receives. Only FPS,
	// ContentType and the tier names are filled in.
	Upstream pipeline.StreamInfo
	// Logger writes to the host's log: each line reappears there at its
	// level under the stage's name. Never write to stdout.
	Logger *slog.Logger
}
