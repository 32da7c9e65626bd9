// Package sdk is how to write a streampipe stage as a plugin: a program of
// its own that streampipe starts, feeds with frames over gRPC, and
// supervises. A plugin that crashes or hangs is restarted; it never takes
// the pipeline down.
//
// # Writing a plugin
//
// A plugin is a [Plugin] value (its name, version and the schema of its
// settings, as data) and a [Stage] implementation; its main function is one
// [Serve] call:
//
//	var Plugin = sdk.Plugin{
//		Name:    "invert",
//		Version: "1.0.0",
//		Summary: "Inverts every payload byte.",
//		Spec: pipeline.Spec{Attrs: []pipeline.Attr{
//			{Name: "every", Type: pipeline.TypeInt, Default: 1, Range: "[1,]",
//				Doc: "Invert one frame in this many."},
//		}},
//		New: func() sdk.Stage { return &invert{} },
//	}
//
//	func main() { sdk.Serve(Plugin) }
//
// The schema uses the same types as built-in stages ([pipeline.Spec]):
// streampipe decodes the user's stage block against it, so `streampipe
// validate` reports an unknown or mistyped setting at its line and column,
// and `streampipe stages` lists the plugin's settings with their docs.
//
// # Building, declaring, running
//
// Build the program with `go build`, then declare it in pipeline.hcl and use
// it as a stage anywhere between the capture and the sinks:
//
//	plugin "invert" {
//	  command = ["./bin/invert"]
//	}
//	pipeline "demo" {
//	  capture "synthetic" { fps = 30 }
//	  stage "invert" "negative" {
//	    every = 2
//	  }
//	  sink "websocket" { listen = "127.0.0.1:8080" }
//	}
//
// docs/plugins.md in the repository walks through every step, including
// the supervision settings of the plugin block.
//
// # Testing
//
// Package sdktest serves a plugin in-process over a real gRPC connection,
// checking its settings as streampipe would; the examples of this package
// use it.
//
// # Rules
//
// Never write to stdout: it carries go-plugin's handshake, and a stray line
// before it makes streampipe refuse the plugin. Log through [Env.Logger];
// each line reappears in streampipe's log at its level under the stage's
// name (cut at 4 KiB, at most 50 lines a second). A panic is fine as far
// as the pipeline goes: streampipe logs its text, drops the frames in
// flight, and starts a fresh process.
//
// Frames returned by [Stage.Process] must have increasing sequence numbers
// per tier, a capture time and a payload; see its doc. Answers stay under
// the host's message size limit: frames that would not fit are dropped
// and counted.
//
// Helper processes a plugin starts stay in its process group unless they
// leave it; the host kills that group when the plugin ends, and the SDK
// kills it when the host dies. A wrapper script that starts the plugin
// should exec it.
//
// # Concurrency
//
// The SDK calls a Stage's methods from one goroutine at a time.
package sdk
