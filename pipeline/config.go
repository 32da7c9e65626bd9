package pipeline

import (
	"fmt"
	"time"
)

// Pos is a position in a configuration file: 1-based line and column
// (columns count characters) and a 0-based byte offset.
type Pos struct {
	Line, Column, Byte int
}

// Range is a span of a configuration file, start inclusive, end exclusive.
type Range struct {
	Filename   string
	Start, End Pos
}

// Config holds the decoded settings of one stage block (or of one nested
// block, such as a quality tier), already converted to Go values and
// checked against the Spec's types, ranges and allowed values.
//
// The getters panic when asked for an attribute the Spec does not declare
// or with the wrong type: that is a bug in the stage, not in the user's
// file, and the registry's smoke test catches it.
type Config struct {
	Spec   Spec
	Labels []string
	// DefRange is the block's header, used for errors about the block as
	// a whole.
	DefRange Range

	values map[string]any
	set    map[string]bool
	ranges map[string]Range
	blocks map[string][]*Config
}

// NewConfig returns a configuration holding spec's defaults.
func NewConfig(spec Spec, labels ...string) *Config {
	c := &Config{
		Spec:   spec,
		Labels: labels,
		values: map[string]any{},
		set:    map[string]bool{},
		ranges: map[string]Range{},
		blocks: map[string][]*Config{},
	}
	for _, a := range spec.Attrs {
		if a.Default != nil {
			c.values[a.Name] = a.Default
		}
	}
	return c
}

// Set records the value of an attribute written in the file, and where. The
// value must already have the attribute's decoded Go type.
func (c *Config) Set(name string, v any, r Range) *Config {
	if _, ok := c.Spec.Attr(name); !ok {
		panic(fmt.Sprintf("pipeline: Config.Set: spec declares no attribute %q", name))
	}
	c.values[name] = v
	c.set[name] = true
	c.ranges[name] = r
	return c
}

// AddBlock appends a nested block.
func (c *Config) AddBlock(name string, b *Config) *Config {
	if _, ok := c.Spec.Block(name); !ok {
		panic(fmt.Sprintf("pipeline: Config.AddBlock: spec declares no block %q", name))
	}
	c.blocks[name] = append(c.blocks[name], b)
	return c
}

// IsSet reports whether the attribute was written in the file.
func (c *Config) IsSet(name string) bool { return c.set[name] }

// Range returns where the attribute was written, or the block's header when
// it was not.
func (c *Config) Range(name string) Range {
	if r, ok := c.ranges[name]; ok {
		return r
	}
	return c.DefRange
}

// Blocks returns the nested blocks of the given type, in file order.
func (c *Config) Blocks(name string) []*Config {
	if _, ok := c.Spec.Block(name); !ok {
		panic(fmt.Sprintf("pipeline: Config.Blocks: spec declares no block %q", name))
	}
	return c.blocks[name]
}

// Label returns the block's i-th label, or "" when it has fewer.
func (c *Config) Label(i int) string {
	if i < len(c.Labels) {
		return c.Labels[i]
	}
	return ""
}

// Value returns the attribute's value (nil when unset and without default).
func (c *Config) Value(name string) any {
	if _, ok := c.Spec.Attr(name); !ok {
		panic(fmt.Sprintf("pipeline: Config: spec declares no attribute %q", name))
	}
	return c.values[name]
}

func get[T any](c *Config, name string) T {
	var zero T
	v := c.Value(name)
	if v == nil {
		return zero
	}
	t, ok := v.(T)
	if !ok {
		panic(fmt.Sprintf("pipeline: Config: attribute %q holds %T, not %T", name, v, zero))
	}
	return t
}

// String returns a string or path attribute.
func (c *Config) String(name string) string { return get[string](c, name) }

// Float returns a number attribute.
func (c *Config) Float(name string) float64 { return get[float64](c, name) }

// Int returns an integer attribute.
func (c *Config) Int(name string) int { return get[int](c, name) }

// Bool returns a bool attribute.
func (c *Config) Bool(name string) bool { return get[bool](c, name) }

// Duration returns a duration attribute.
func (c *Config) Duration(name string) time.Duration { return get[time.Duration](c, name) }

// Size returns a size attribute, in bytes.
func (c *Config) Size(name string) int64 { return get[int64](c, name) }

// Strings returns a list(string) attribute.
func (c *Config) Strings(name string) []string { return get[[]string](c, name) }

// Errorf returns an error about the attribute name (or, when name is "",
// about the whole block) that `validate` reports at the attribute's place in
// the file. summary is a short phrase; the detail says what to do.
func (c *Config) Errorf(name, summary, detailFormat string, args ...any) error {
	return &ConfigError{Config: c, Attr: name, Summary: summary, Detail: fmt.Sprintf(detailFormat, args...)}
}

// ConfigError is an error about a stage's settings, placed in the file.
type ConfigError struct {
	Config  *Config
	Attr    string
	Summary string
	Detail  string
}

func (e *ConfigError) Error() string {
	if e.Attr == "" {
		return fmt.Sprintf("%s: %s", e.Summary, e.Detail)
	}
	return fmt.Sprintf("%s: %s: %s", e.Attr, e.Summary, e.Detail)
}

// Range returns where the error belongs in the file.
func (e *ConfigError) Range() Range {
	if e.Attr == "" {
		return e.Config.DefRange
	}
	return e.Config.Range(e.Attr)
}
