// Command straystdout is a test plugin that breaks the rule every plugin
// must keep: it prints to stdout before the handshake.
package main

import (
	"context"
	"fmt"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/sdk"
)

func init() { fmt.Println("loading the colour tables") }

type stage struct{}

func (stage) Configure(context.Context, *pipeline.Config, sdk.Env) error { return nil }
func (stage) Process(_ context.Context, m pipeline.Message) ([]*pipeline.Frame, error) {
	return m.Frames, nil
}
func (stage) Close(context.Context) error { return nil }

func main() {
	sdk.Serve(sdk.Plugin{Name: "straystdout", New: func() sdk.Stage { return stage{} }})
}
