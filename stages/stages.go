// Package stages registers streampipe's built-in stage kinds.
package stages

import (
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/batch"
	"github.com/streampipe/streampipe/stages/buffer"
	"github.com/streampipe/streampipe/stages/capture"
	"github.com/streampipe/streampipe/stages/delay"
	"github.com/streampipe/streampipe/stages/discard"
	"github.com/streampipe/streampipe/stages/filesink"
	"github.com/streampipe/streampipe/stages/quality"
	"github.com/streampipe/streampipe/stages/websocket"
)

// Registry returns a new registry holding every built-in stage kind. Adding
// a kind means adding its package and one line here.
func Registry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	for _, k := range []pipeline.Kind{
		capture.ExecKind,
		capture.SyntheticKind,
		capture.FilesKind,
		buffer.Kind,
		quality.Kind,
		batch.Kind,
		websocket.Kind,
		filesink.Kind,
		discard.Kind,
		delay.Kind,
	} {
		r.MustRegister(k)
	}
	return r
}
