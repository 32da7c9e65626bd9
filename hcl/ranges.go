package hcl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/pipeline"
)

// toPipelineRange converts an hcl.Range to the pipeline package's Range,
// which stage factories see through pipeline.Config.
func toPipelineRange(r hcl.Range) pipeline.Range {
	return pipeline.Range{
		Filename: r.Filename,
		Start:    pipeline.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
		End:      pipeline.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte},
	}
}

// toHCLRange is the inverse of toPipelineRange, for placing the
// pipeline.ConfigError of a factory in the file.
func toHCLRange(r pipeline.Range) hcl.Range {
	return hcl.Range{
		Filename: r.Filename,
		Start:    hcl.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
		End:      hcl.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte},
	}
}

// where renders a range as "file:line" for details that point at another
// place, such as the first of two duplicate declarations.
func where(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}
