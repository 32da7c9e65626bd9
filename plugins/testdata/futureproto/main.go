// Command futureproto is a test plugin built against a future SDK: it
// speaks only plugin protocol version 2, which this streampipe does not.
package main

import (
	"github.com/hashicorp/go-plugin"

	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: wire.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			2: {wire.PluginName: &wire.GRPCPlugin{Impl: pb.UnimplementedStageServer{}}},
		},
		GRPCServer: plugin.DefaultGRPCServer,
	})
}
