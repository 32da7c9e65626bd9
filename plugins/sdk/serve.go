package sdk

import (
	"log/slog"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/streampipe/streampipe/plugins/internal/bridge"
	"github.com/streampipe/streampipe/plugins/internal/wire"
)

// Serve serves p to the streampipe host that started this process and
// returns only when the host is done with it (it then exits the process).
// It is the whole of a plugin's main function:
//
//	func main() { sdk.Serve(myPlugin) }
//
// Nothing may be written to stdout before Serve: stdout carries the
// handshake, and the host refuses a plugin whose first line is anything
// else. Run by hand rather than by streampipe, the program prints a short
// note and exits with status 1.
//
// A malformed Plugin panics with a message saying what to fix: no name, no
// New, a spec with nested blocks or bad ranges, a setting called "name"
// (streampipe names every stage with it), a Required setting with a
// Default, or OneOf on a setting that is not a TypeString.
//
// Answers stay under the message size limit the host sets
// (max_message_size in the plugin block): an output frame that does not
// fit is dropped, and the host counts it as dropped and warns.
func Serve(p Plugin) {
	// TODO: a -debug flag serving in go-plugin's reattach mode, so a plugin
	// can run under a debugger and streampipe attach to it.
	// Keep the real stderr: go-plugin replaces os.Stderr with a pipe once
	// it serves, but the host reads this process's stderr for log lines
	// and crash reports.
	stderr := os.Stderr
	logger := newLogger(stderr, slog.LevelDebug)
	max := wire.MaxMessageSizeFromEnv(os.Getenv)
	srv := newServer(p, logger, max)

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSets(srv),
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.MaxRecvMsgSize(max), grpc.MaxSendMsgSize(max),
				grpc.InitialWindowSize(wire.WindowSize), grpc.InitialConnWindowSize(wire.WindowSize))
			return grpc.NewServer(opts...)
		},
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       p.Name,
			Output:     stderr,
			JSONFormat: true,
			Level:      hclog.Info,
		}),
	})
}

func init() {
	// Give sdktest the server without making it part of the public API.
	bridge.NewServer = func(p any, logger *slog.Logger, maxMsg int) any {
		return newServer(p.(Plugin), logger, maxMsg)
	}
}
