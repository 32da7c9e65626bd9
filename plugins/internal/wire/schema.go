package wire

import (
	"fmt"

	"github.com/streampipe/streampipe/pipeline"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

var typeToProto = map[pipeline.Type]pb.Type{
	pipeline.TypeString:     pb.Type_TYPE_STRING,
	pipeline.TypeNumber:     pb.Type_TYPE_NUMBER,
	pipeline.TypeInt:        pb.Type_TYPE_INT,
	pipeline.TypeBool:       pb.Type_TYPE_BOOL,
	pipeline.TypeDuration:   pb.Type_TYPE_DURATION,
	pipeline.TypeSize:       pb.Type_TYPE_SIZE,
	pipeline.TypeStringList: pb.Type_TYPE_STRING_LIST,
	pipeline.TypePath:       pb.Type_TYPE_PATH,
	pipeline.TypeAny:        pb.Type_TYPE_ANY,
}

// SchemaToProto converts a stage's settings spec for the wire. Nested
// blocks are not part of protocol version 1.
func SchemaToProto(s pipeline.Spec) (*pb.Schema, error) {
	if len(s.Blocks) > 0 {
		// TODO: nested blocks in plugin schemas need a Block message in
		// the protocol (version 2); attributes cover the example plugins.
		return nil, fmt.Errorf("schema: nested blocks (%q) are not supported in plugin settings", s.Blocks[0].Name)
	}
	out := &pb.Schema{}
	for _, a := range s.Attrs {
		t, ok := typeToProto[a.Type]
		if !ok {
			return nil, fmt.Errorf("schema: attribute %q: unknown type %v", a.Name, a.Type)
		}
		pa := &pb.Attribute{
			Name:     a.Name,
			Type:     t,
			Doc:      a.Doc,
			Required: a.Required,
			Range:    a.Range,
			OneOf:    a.OneOf,
		}
		if a.Default != nil {
			v, err := ValueToProto(a.Type, a.Default)
			if err != nil {
				return nil, fmt.Errorf("schema: attribute %q: default: %w", a.Name, err)
			}
			pa.Default = v
		}
		out.Attributes = append(out.Attributes, pa)
	}
	return out, nil
}

// SchemaFromProto converts a plugin's schema back to a spec, checking that
// it is well formed: known types, unique valid names, parseable ranges and
// defaults of the right type.
func SchemaFromProto(s *pb.Schema) (pipeline.Spec, error) {
	var spec pipeline.Spec
	seen := map[string]bool{}
	for _, pa := range s.GetAttributes() {
		if !validName(pa.Name) {
			return pipeline.Spec{}, fmt.Errorf("schema: attribute name %q is not a valid identifier", pa.Name)
		}
		if seen[pa.Name] {
			return pipeline.Spec{}, fmt.Errorf("schema: attribute %q is declared twice", pa.Name)
		}
		seen[pa.Name] = true
		t, ok := typeFromProto(pa.Type)
		if !ok {
			return pipeline.Spec{}, fmt.Errorf("schema: attribute %q: unknown type %v", pa.Name, pa.Type)
		}
		a := pipeline.Attr{
			Name:     pa.Name,
			Type:     t,
			Doc:      pa.Doc,
			Required: pa.Required,
			Range:    pa.Range,
			OneOf:    pa.OneOf,
		}
		if a.Range != "" {
			if _, err := pipeline.ParseInterval(a.Range); err != nil {
				return pipeline.Spec{}, fmt.Errorf("schema: attribute %q: %w", a.Name, err)
			}
		}
		if pa.Default != nil {
			v, err := ValueFromProto(t, pa.Default)
			if err != nil {
				return pipeline.Spec{}, fmt.Errorf("schema: attribute %q: default: %w", a.Name, err)
			}
			a.Default = v
		}
		spec.Attrs = append(spec.Attrs, a)
	}
	return spec, nil
}

func typeFromProto(t pb.Type) (pipeline.Type, bool) {
	for k, v := range typeToProto {
		if v == t {
			return k, true
		}
	}
	return 0, false
}

// validName reports whether s is an HCL identifier made of ASCII letters,
// digits, underscores and dashes, not starting with a digit or dash.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && (r == '-' || (r >= '0' && r <= '9')):
		default:
			return false
		}
	}
	return true
}
