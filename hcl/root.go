package hcl

import (
	"github.com/hashicorp/hcl/v2"
)

// rootBlock is one block type allowed at the top level of a file. Adding a
// block type to the language means adding an entry to rootBlocks and
// writing its decoder (and its section of the reference).
type rootBlock struct {
	header hcl.BlockHeaderSchema
	// phase orders decoding: every block of an earlier phase is decoded
	// before any block of a later one.
	phase int
	// decode checks one block and records what it declares in the loader.
	decode func(l *loader, b *hcl.Block) hcl.Diagnostics
}

// Decoding phases, in order.
const (
	phaseVariables = iota // variable blocks; then the evaluation context
	phasePlugins          // plugin blocks, which register stage kinds
	phasePipelines        // pipeline blocks, which may refer to variables
	phaseAlerts           // alert blocks and the alerts block
)

var rootPhases = []int{phaseVariables, phasePlugins, phasePipelines, phaseAlerts}

// phaseDone runs after all blocks of a phase are decoded.
var phaseDone = map[int]func(l *loader) hcl.Diagnostics{
	phaseVariables: (*loader).resolveVariables,
	phasePlugins:   func(*loader) hcl.Diagnostics { return nil },
	phasePipelines: (*loader).checkExclusive,
	phaseAlerts:    (*loader).finishAlerts,
}

// rootBlocks is the root schema of the language. The telemetry and alert
// blocks of later versions each become one entry here plus their decoder.
var rootBlocks = []rootBlock{
	{
		header: hcl.BlockHeaderSchema{Type: "variable", LabelNames: []string{"name"}},
		phase:  phaseVariables,
		decode: (*loader).decodeVariable,
	},
	{
		header: hcl.BlockHeaderSchema{Type: "plugin", LabelNames: []string{"name"}},
		phase:  phasePlugins,
		decode: (*loader).decodePlugin,
	},
	{
		header: hcl.BlockHeaderSchema{Type: "pipeline", LabelNames: []string{"name"}},
		phase:  phasePipelines,
		decode: (*loader).decodePipeline,
	},
	{
		header: hcl.BlockHeaderSchema{Type: "telemetry"},
		phase:  phasePipelines,
		decode: (*loader).decodeTelemetry,
	},
	{
		header: hcl.BlockHeaderSchema{Type: "alert", LabelNames: []string{"name"}},
		phase:  phaseAlerts,
		decode: (*loader).decodeAlert,
	},
	{
		header: hcl.BlockHeaderSchema{Type: "alerts"},
		phase:  phaseAlerts,
		decode: (*loader).decodeAlerts,
	},
}

func rootSchema() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, rb := range rootBlocks {
		s.Blocks = append(s.Blocks, rb.header)
	}
	return s
}

func rootBlockOf(typ string) (rootBlock, bool) {
	for _, rb := range rootBlocks {
		if rb.header.Type == typ {
			return rb, true
		}
	}
	return rootBlock{}, false
}
