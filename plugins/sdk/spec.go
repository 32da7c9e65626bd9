package sdk

import (
	"fmt"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/wire"
)

// reservedName is the attribute streampipe's loader reads from every stage
// block itself, to name the stage; a plugin cannot declare it.
const reservedName = "name"

// checkPlugin returns what is wrong with p, as a message for a panic in
// Serve, or "" when it can be served.
func checkPlugin(p Plugin) string {
	if p.Name == "" {
		return "sdk: Plugin.Name is empty"
	}
	if p.New == nil {
		return fmt.Sprintf("sdk: plugin %q: Plugin.New is nil", p.Name)
	}
	for _, a := range p.Spec.Attrs {
		switch {
		case a.Name == reservedName:
			return fmt.Sprintf("sdk: plugin %q: the setting %q is reserved: streampipe names every stage "+
				"with it; call the setting something else", p.Name, a.Name)
		case a.Required && a.Default != nil:
			return fmt.Sprintf("sdk: plugin %q: setting %q is Required and has a Default; a default "+
				"applies only to settings that may be left out, so drop one of them", p.Name, a.Name)
		case len(a.OneOf) > 0 && a.Type != pipeline.TypeString:
			return fmt.Sprintf("sdk: plugin %q: setting %q has OneOf but type %v; OneOf lists the "+
				"allowed strings of a TypeString setting (use Range for numbers)", p.Name, a.Name, a.Type)
		}
	}
	schema, err := wire.SchemaToProto(p.Spec)
	if err == nil {
		_, err = wire.SchemaFromProto(schema)
	}
	if err != nil {
		return fmt.Sprintf("sdk: plugin %q: %v", p.Name, err)
	}
	return ""
}
