package wire

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// ValueToProto encodes a setting held in its decoded Go form (see
// pipeline.Attr.Default) for the wire.
func ValueToProto(t pipeline.Type, v any) (*pb.Value, error) {
	bad := func() (*pb.Value, error) {
		return nil, fmt.Errorf("value %v (%T) does not have type %v", v, v, t)
	}
	switch t {
	case pipeline.TypeString, pipeline.TypePath:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		return &pb.Value{Kind: &pb.Value_String_{String_: s}}, nil
	case pipeline.TypeNumber:
		switch n := v.(type) {
		case float64:
			return &pb.Value{Kind: &pb.Value_Number{Number: n}}, nil
		case int:
			return &pb.Value{Kind: &pb.Value_Number{Number: float64(n)}}, nil
		}
		return bad()
	case pipeline.TypeInt:
		n, ok := v.(int)
		if !ok {
			return bad()
		}
		return &pb.Value{Kind: &pb.Value_Int{Int: int64(n)}}, nil
	case pipeline.TypeBool:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		return &pb.Value{Kind: &pb.Value_Bool{Bool: b}}, nil
	case pipeline.TypeDuration:
		d, ok := v.(time.Duration)
		if !ok {
			return bad()
		}
		return &pb.Value{Kind: &pb.Value_DurationNanos{DurationNanos: int64(d)}}, nil
	case pipeline.TypeSize:
		switch n := v.(type) {
		case int64:
			return &pb.Value{Kind: &pb.Value_SizeBytes{SizeBytes: n}}, nil
		case int:
			return &pb.Value{Kind: &pb.Value_SizeBytes{SizeBytes: int64(n)}}, nil
		}
		return bad()
	case pipeline.TypeStringList:
		l, ok := v.([]string)
		if !ok {
			return bad()
		}
		return &pb.Value{Kind: &pb.Value_Strings{Strings: &pb.StringList{Values: l}}}, nil
	case pipeline.TypeAny:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("value of type any: %w", err)
		}
		return &pb.Value{Kind: &pb.Value_Json{Json: string(b)}}, nil
	}
	return nil, fmt.Errorf("unknown type %v", t)
}

// ValueFromProto decodes a setting to its Go form for type t.
func ValueFromProto(t pipeline.Type, v *pb.Value) (any, error) {
	bad := func() (any, error) {
		return nil, fmt.Errorf("wire value %v does not have type %v", v.GetKind(), t)
	}
	switch k := v.GetKind().(type) {
	case *pb.Value_String_:
		if t != pipeline.TypeString && t != pipeline.TypePath {
			return bad()
		}
		return k.String_, nil
	case *pb.Value_Number:
		if t != pipeline.TypeNumber {
			return bad()
		}
		return k.Number, nil
	case *pb.Value_Int:
		if t != pipeline.TypeInt {
			return bad()
		}
		return int(k.Int), nil
	case *pb.Value_Bool:
		if t != pipeline.TypeBool {
			return bad()
		}
		return k.Bool, nil
	case *pb.Value_DurationNanos:
		if t != pipeline.TypeDuration {
			return bad()
		}
		return time.Duration(k.DurationNanos), nil
	case *pb.Value_SizeBytes:
		if t != pipeline.TypeSize {
			return bad()
		}
		return k.SizeBytes, nil
	case *pb.Value_Strings:
		if t != pipeline.TypeStringList {
			return bad()
		}
		return append([]string{}, k.Strings.GetValues()...), nil
	case *pb.Value_Json:
		if t != pipeline.TypeAny {
			return bad()
		}
		var out any
		if err := json.Unmarshal([]byte(k.Json), &out); err != nil {
			return nil, fmt.Errorf("value of type any: %w", err)
		}
		return out, nil
	}
	return bad()
}

// ConfigToProto encodes a decoded stage configuration for Configure.
func ConfigToProto(c *pipeline.Config) (*pb.ConfigureRequest, error) {
	req := &pb.ConfigureRequest{Values: map[string]*pb.Value{}}
	for _, a := range c.Spec.Attrs {
		v := c.Value(a.Name)
		if v == nil {
			continue
		}
		pv, err := ValueToProto(a.Type, v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
		}
		req.Values[a.Name] = pv
		if c.IsSet(a.Name) {
			req.Set = append(req.Set, a.Name)
		}
	}
	return req, nil
}

// ConfigFromProto decodes the settings of a Configure request against the
// plugin's own spec. Attributes the spec does not declare, or of the wrong
// type, are errors: the host and the plugin disagree about the schema.
func ConfigFromProto(spec pipeline.Spec, req *pb.ConfigureRequest) (*pipeline.Config, error) {
	c := pipeline.NewConfig(spec)
	set := map[string]bool{}
	for _, name := range req.GetSet() {
		set[name] = true
	}
	for name, pv := range req.GetValues() {
		a, ok := spec.Attr(name)
		if !ok {
			return nil, fmt.Errorf("configure: the host sent attribute %q, which this plugin does not declare", name)
		}
		v, err := ValueFromProto(a.Type, pv)
		if err != nil {
			return nil, fmt.Errorf("configure: attribute %q: %w", name, err)
		}
		// A value the host filled in from the schema's default is left
		// unset when the plugin's own default agrees; otherwise (an old
		// schema cache on the host) the host's value wins and counts as set.
		if !set[name] && reflect.DeepEqual(c.Value(name), v) {
			continue
		}
		c.Set(name, v, pipeline.Range{})
	}
	return c, nil
}
