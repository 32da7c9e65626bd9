package wire

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/streampipe/streampipe/plugins/proto"
)

// Handshake is the go-plugin handshake of every streampipe plugin. The
// cookie only tells a plugin that it was started by streampipe (run by hand,
// it prints a short note and exits); it is no security measure, and it
// never changes.
var Handshake = plugin.HandshakeConfig{
	MagicCookieKey:   "STREAMPIPE_PLUGIN",
	MagicCookieValue: "8f1c6e2a-frames-over-grpc",
}

// ProtocolVersion is the newest plugin protocol version this build speaks.
// The host and the SDK each offer every version they support, and
// go-plugin picks the newest one both speak at handshake.
const ProtocolVersion = 1

// ProtocolVersions lists every version this build speaks, oldest first.
var ProtocolVersions = []int{1}

// PluginName is the go-plugin name under which a stage is dispensed.
const PluginName = "stage"

// EnvMaxMessageSize is the environment variable in which the host tells the
// plugin the largest gRPC message, in bytes, either side may send.
const EnvMaxMessageSize = "STREAMPIPE_PLUGIN_MAX_MESSAGE_SIZE"

// EnvOwnGroup is set to "1" by a host that starts the plugin in a process
// group of its own (on Linux). The SDK then takes that group with it when
// the host dies or the plugin receives SIGTERM, so helper processes and a
// wrapper script's children do not outlive the plugin.
const EnvOwnGroup = "STREAMPIPE_PLUGIN_OWN_GROUP"

// DefaultMaxMessageSize is the message size limit when none is configured:
// large enough for a batch of several uncompressed 1080p frames.
const DefaultMaxMessageSize = 64 << 20

// WindowSize is the HTTP/2 flow-control window both sides use for the
// frame stream and its connection. gRPC's default starts at 64 KiB and
// grows only under sustained load, so at 30 fps every 64 KiB frame would
// wait a round trip for window updates; a fixed window of a few frames
// avoids that, at the cost of that much buffer memory per plugin.
const WindowSize = 4 << 20

// MaxMessageSizeFromEnv returns the limit the host passed in env, or the
// default.
func MaxMessageSizeFromEnv(getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv(EnvMaxMessageSize)); err == nil && n > 0 {
		return n
	}
	return DefaultMaxMessageSize
}

// GRPCPlugin is the go-plugin glue for a stage. The SDK sets Impl; the
// host leaves it nil and receives a *Conn from Dispense.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl pb.StageServer
}

// GRPCServer registers the stage service (plugin side).
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return fmt.Errorf("wire: no stage server to register")
	}
	pb.RegisterStageServer(s, p.Impl)
	return nil
}

// GRPCClient returns a *Conn (host side).
func (p *GRPCPlugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Conn{Stage: pb.NewStageClient(c), Exited: ctx.Done()}, nil
}

// Conn is the host's handle on a dispensed plugin.
type Conn struct {
	Stage pb.StageClient
	// Exited is closed when the plugin process has exited.
	Exited <-chan struct{}
}

// PluginSets returns go-plugin's versioned plugin sets for every protocol
// version this build speaks.
func PluginSets(server pb.StageServer) map[int]plugin.PluginSet {
	sets := map[int]plugin.PluginSet{}
	for _, v := range ProtocolVersions {
		sets[v] = plugin.PluginSet{PluginName: &GRPCPlugin{Impl: server}}
	}
	return sets
}
