package pipeline

import (
	"fmt"
	"sort"
	"sync"
)

// Stability tells users how much a stage kind may still change.
type Stability string

// Stability levels.
const (
	StabilityDevelopment Stability = "development"
	StabilityAlpha       Stability = "alpha"
	StabilityBeta        Stability = "beta"
	StabilityStable      Stability = "stable"
	StabilityDeprecated  Stability = "deprecated"
)

// Factory builds a stage from its configuration. It returns a value that
// implements exactly one of Source (for captures), Processor or Runner (for
// middle stages) or Sink (for sinks), and optionally Starter, Closer and
// Describer.
//
// A factory must not touch the outside world: `streampipe validate` calls it
// too. Errors about settings should come from Config.Errorf so they are
// reported at their place in the file.
type Factory func(c *Config, env Env) (any, error)

// Check checks the settings of one block for the problems that do not
// depend on the stream the stage receives: how its attributes relate to
// each other (a maximum below a minimum, a default naming none of the
// declared items), names that must be unique, the syntax of an address.
//
// The loader calls it for every block of the kind that decoded without
// errors, before and regardless of the factory: when an earlier stage of
// the pipeline failed, the factory is not called (the stream it would
// check against is not known), but Check still is, so that `streampipe
// validate` reports these problems at once rather than one fix later.
// When Check returns an error the loader reports it like a factory's and
// does not call the factory.
//
// Check must look only at c: never at the upstream stream nor the outside
// world. Like a factory's, its errors should come from Config.Errorf,
// joined with errors.Join when there are several. Since programs may call
// a factory directly, the factory must reject the same settings; the
// usual way is for it to call the same function first.
type Check func(c *Config) error

// Kind is a registered stage kind.
type Kind struct {
	Family Family
	// Name is the kind's label, such as "exec" in `capture "exec"`. It is
	// empty for families with a single kind (buffer, quality, batch).
	Name      string
	Summary   string
	Doc       string
	Stability Stability
	Spec      Spec
	New       Factory
	// Check, when not nil, checks what a block's settings get wrong on
	// their own, whatever its upstream; see [Check].
	Check Check
	// Plugin names the plugin that provides the kind; empty for built-ins.
	Plugin string
}

// ID returns "family" or "family.name".
func (k *Kind) ID() string {
	if k.Name == "" {
		return string(k.Family)
	}
	return string(k.Family) + "." + k.Name
}

// Registry maps kind names to constructors and schemas. It is safe for
// concurrent use.
type Registry struct {
	mu    sync.RWMutex
	kinds map[string]*Kind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{kinds: map[string]*Kind{}}
}

// Register adds a kind. It fails when the kind is already registered or is
// incomplete.
func (r *Registry) Register(k Kind) error {
	if k.Family == "" || k.New == nil {
		return fmt.Errorf("register stage kind %q: family and factory are required", k.ID())
	}
	if k.Stability == "" {
		k.Stability = StabilityDevelopment
	}
	for _, a := range k.Spec.Attrs {
		if a.Range != "" {
			if _, err := ParseInterval(a.Range); err != nil {
				return fmt.Errorf("register stage kind %q: attribute %q: %w", k.ID(), a.Name, err)
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.kinds[k.ID()]; dup {
		return fmt.Errorf("register stage kind %q: already registered", k.ID())
	}
	r.kinds[k.ID()] = &k
	return nil
}

// MustRegister is Register that panics on error, for built-in kinds.
func (r *Registry) MustRegister(k Kind) {
	if err := r.Register(k); err != nil {
		panic(err)
	}
}

// Lookup returns the kind of the given family and name.
func (r *Registry) Lookup(f Family, name string) (*Kind, bool) {
	id := string(f)
	if name != "" {
		id += "." + name
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.kinds[id]
	return k, ok
}

// Names returns the kind names registered in a family, sorted.
func (r *Registry) Names(f Family) []string {
	var names []string
	for _, k := range r.Kinds() {
		if k.Family == f {
			names = append(names, k.Name)
		}
	}
	return names
}

// Kinds returns every kind, sorted by family order then name.
func (r *Registry) Kinds() []*Kind {
	r.mu.RLock()
	out := make([]*Kind, 0, len(r.kinds))
	for _, k := range r.kinds {
		out = append(out, k)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if fi, fj := familyOrder(out[i].Family), familyOrder(out[j].Family); fi != fj {
			return fi < fj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Clone returns a copy that can be extended (with a file's plugin stages)
// without touching r.
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := NewRegistry()
	for id, k := range r.kinds {
		c.kinds[id] = k
	}
	return c
}

func familyOrder(f Family) int {
	for i, g := range []Family{FamilyCapture, FamilyBuffer, FamilyQuality, FamilyBatch, FamilyStage, FamilySink} {
		if f == g {
			return i
		}
	}
	return 99
}
