package plugins

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/wire"
)

// Policy is what a plugin stage does once its plugin has failed more often
// than its restart budget allows.
type Policy string

// Failure policies, the values of `on_failure`.
const (
	// PolicyStop fails the stage, which stops the pipeline.
	PolicyStop Policy = "stop"
	// PolicyPass passes frames through untouched for the rest of the run.
	PolicyPass Policy = "pass"
	// PolicyDrop drops frames, counted with reason plugin_error.
	PolicyDrop Policy = "drop"
)

// Defaults of the plugin block's settings.
const (
	DefaultStartTimeout   = 10 * time.Second
	DefaultBatchTimeout   = time.Second
	DefaultMaxMessageSize = wire.DefaultMaxMessageSize
	DefaultMaxRestarts    = 5
	DefaultRestartWindow  = time.Minute
	DefaultInFlight       = 4
	DefaultMaxBatch       = 16
)

// NoRestarts as Decl.MaxRestarts applies on_failure at the first failure.
const NoRestarts = -1

// Decl is one decoded `plugin "NAME" { ... }` block: which program provides
// the stage kind NAME, and how it is supervised. Every stage block of that
// kind runs its own plugin process.
type Decl struct {
	// Name is the block's label and the stage kind it declares.
	Name string
	// Command is the plugin's argv. A relative program path containing a
	// slash is resolved against Dir; a bare name is looked up in PATH.
	Command []string
	// Dir is the directory of the configuration file. The plugin runs in
	// it.
	Dir string
	// SHA256, when not empty, is the hex SHA-256 the executable must have;
	// a plugin that does not match is never started.
	SHA256 string
	// StartTimeout bounds starting a plugin process: from its launch
	// through the handshake to the end of its first call (Configure, or
	// Describe when it is started to read its schema).
	StartTimeout time.Duration
	// BatchTimeout is how long the plugin may take per frame: the oldest
	// unanswered batch must be answered within BatchTimeout times its
	// frames, counted from when it was sent or from the previous answer,
	// whichever is later. Past that the plugin is deemed hung, killed and
	// restarted.
	BatchTimeout time.Duration
	// MaxMessageSize is the largest gRPC message either side may send, in
	// bytes. A frame too large for it, either way, is dropped.
	MaxMessageSize int64
	// MaxRestarts is how many times the plugin is restarted within
	// RestartWindow before OnFailure applies. Zero means
	// DefaultMaxRestarts; use NoRestarts for none.
	MaxRestarts   int
	RestartWindow time.Duration
	OnFailure     Policy
	// InFlight is how many batches may await their answer at once.
	InFlight int
	// MaxBatch is how many frames one batch gathers, at most.
	MaxBatch int
	// Range is where the block is declared, for errors about it.
	Range pipeline.Range
}

// withDefaults fills in zero fields.
func (d Decl) withDefaults() Decl {
	if d.StartTimeout <= 0 {
		d.StartTimeout = DefaultStartTimeout
	}
	if d.BatchTimeout <= 0 {
		d.BatchTimeout = DefaultBatchTimeout
	}
	if d.MaxMessageSize <= 0 {
		d.MaxMessageSize = DefaultMaxMessageSize
	}
	switch {
	case d.MaxRestarts == 0:
		d.MaxRestarts = DefaultMaxRestarts
	case d.MaxRestarts < 0:
		d.MaxRestarts = NoRestarts
	}
	if d.RestartWindow <= 0 {
		d.RestartWindow = DefaultRestartWindow
	}
	if d.OnFailure == "" {
		d.OnFailure = PolicyStop
	}
	if d.InFlight <= 0 {
		d.InFlight = DefaultInFlight
	}
	if d.MaxBatch <= 0 {
		d.MaxBatch = DefaultMaxBatch
	}
	return d
}

// Spec returns the schema of the `plugin` block, so the loader decodes it
// like any stage block and hands the result to [DeclFromConfig].
func Spec() pipeline.Spec {
	return pipeline.Spec{Attrs: []pipeline.Attr{
		{Name: "command", Type: pipeline.TypeStringList, Required: true,
			Doc: "The plugin program and its arguments. A relative program path is relative to this file's directory."},
		{Name: "sha256", Type: pipeline.TypeString,
			Doc: "The SHA-256 of the program, in hex. When set, a program that does not match is never started."},
		{Name: "start_timeout", Type: pipeline.TypeDuration, Default: DefaultStartTimeout, Range: "(0,]",
			Doc: "How long a plugin process may take to start and accept its settings (or, in validate, " +
				"describe them), from its launch to the end of that first call."},
		{Name: "batch_timeout", Type: pipeline.TypeDuration, Default: DefaultBatchTimeout, Range: "(0,]",
			Doc: "How long the plugin may take per frame: the oldest unanswered batch must be answered " +
				"within batch_timeout times its frames, counted from when it was sent or from the " +
				"previous answer, whichever is later. Past that the plugin is deemed hung, killed and " +
				"restarted."},
		{Name: "max_message_size", Type: pipeline.TypeSize, Default: int64(DefaultMaxMessageSize), Range: "[1048576,2147483648)",
			Doc: "The largest message between streampipe and the plugin. Frames too large for it, either " +
				"way, are dropped and counted."},
		{Name: "max_restarts", Type: pipeline.TypeInt, Default: DefaultMaxRestarts, Range: "[0,]",
			Doc: "How many restarts within restart_window are allowed before on_failure applies."},
		{Name: "restart_window", Type: pipeline.TypeDuration, Default: DefaultRestartWindow, Range: "(0,]",
			Doc: "The sliding window in which restarts are counted."},
		{Name: "on_failure", Type: pipeline.TypeString, Default: string(PolicyStop),
			OneOf: []string{string(PolicyStop), string(PolicyPass), string(PolicyDrop)},
			Doc:   "What happens once the restart budget is spent: stop the pipeline, pass frames through untouched, or drop them."},
		{Name: "in_flight", Type: pipeline.TypeInt, Default: DefaultInFlight, Range: "[1,256]",
			Doc: "How many batches may await the plugin's answer at once. More hides round-trip latency."},
		{Name: "max_batch", Type: pipeline.TypeInt, Default: DefaultMaxBatch, Range: "[1,4096]",
			Doc: "How many waiting frames are sent to the plugin in one batch, at most."},
	}}
}

// DeclFromConfig turns a decoded plugin block into a Decl. name is the
// block's label and dir the configuration file's directory. Errors are
// *pipeline.ConfigError values placed on the offending attribute.
func DeclFromConfig(name string, c *pipeline.Config, dir string) (Decl, error) {
	d := Decl{
		Name:           name,
		Command:        c.Strings("command"),
		Dir:            dir,
		SHA256:         strings.ToLower(strings.TrimSpace(c.String("sha256"))),
		StartTimeout:   c.Duration("start_timeout"),
		BatchTimeout:   c.Duration("batch_timeout"),
		MaxMessageSize: c.Size("max_message_size"),
		MaxRestarts:    c.Int("max_restarts"),
		RestartWindow:  c.Duration("restart_window"),
		OnFailure:      Policy(c.String("on_failure")),
		InFlight:       c.Int("in_flight"),
		MaxBatch:       c.Int("max_batch"),
		Range:          c.DefRange,
	}
	if d.MaxRestarts == 0 {
		d.MaxRestarts = NoRestarts
	}
	if len(d.Command) == 0 || d.Command[0] == "" {
		return Decl{}, c.Errorf("command", "Empty command",
			"command must name the plugin program, such as [\"./bin/%s\"].", name)
	}
	if d.SHA256 != "" {
		if b, err := hex.DecodeString(d.SHA256); err != nil || len(b) != 32 {
			return Decl{}, c.Errorf("sha256", "Invalid checksum",
				"sha256 must be 64 hexadecimal digits, as printed by `sha256sum %s`.", d.Command[0])
		}
	}
	return d.withDefaults(), nil
}

// String describes the declaration for messages.
func (d Decl) String() string {
	return fmt.Sprintf("plugin %q (%s)", d.Name, strings.Join(d.Command, " "))
}
