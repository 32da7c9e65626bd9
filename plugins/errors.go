package plugins

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/go-plugin"

	"github.com/streampipe/streampipe/plugins/internal/wire"
)

// Sentinel errors for the ways a plugin can be refused at start; test with
// errors.Is. The full error says what happened and what to do.
var (
	// ErrChecksum: the executable does not have the declared sha256.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrProtocol: the plugin speaks no protocol version this streampipe
	// speaks.
	ErrProtocol = errors.New("incompatible plugin protocol")
	// ErrStdout: the plugin wrote to stdout before the handshake.
	ErrStdout = errors.New("stray output on stdout before the handshake")
	// ErrStart: the plugin could not be started, exited before the
	// handshake, or did not complete it in time.
	ErrStart = errors.New("plugin did not start")
	// ErrNotCached: Options.CacheOnly forbade starting a plugin whose
	// description is not in the cache. It is not the plugin's fault:
	// callers report its stages as not checked.
	ErrNotCached = errors.New("no cached description")
)

// StartError is a plugin that could not be started.
type StartError struct {
	// Plugin is the declared plugin name.
	Plugin string
	// Kind is one of the sentinel errors above.
	Kind error
	// Detail says what happened and what to do.
	Detail string
	// Err is the underlying error, if any.
	Err error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("plugin %q: %v: %s", e.Plugin, e.Kind, e.Detail)
}

// Is matches the sentinel kind.
func (e *StartError) Is(target error) bool { return target == e.Kind }

func (e *StartError) Unwrap() error { return e.Err }

var pluginVersionRE = regexp.MustCompile(`Plugin version: (\d+)`)

// classifyStartError turns go-plugin's start errors into StartErrors that
// say what to do. tail holds the plugin's last stderr lines.
func classifyStartError(name, program string, err error, tail []string) error {
	msg := err.Error()
	stderr := ""
	if len(tail) > 0 {
		stderr = "\nIts last lines on stderr:\n  " + strings.Join(tail, "\n  ")
	}
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		return &StartError{Plugin: name, Kind: ErrChecksum, Err: err,
			Detail: fmt.Sprintf("%s changed after it was checked; check it again", program)}

	case strings.HasPrefix(msg, "Unrecognized remote plugin message: "):
		line, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		if line == "" {
			return &StartError{Plugin: name, Kind: ErrStart, Err: err,
				Detail: fmt.Sprintf("%s exited before the handshake (is it a streampipe plugin built with plugins/sdk?)%s", program, stderr)}
		}
		return &StartError{Plugin: name, Kind: ErrStdout, Err: err,
			Detail: fmt.Sprintf("%s printed %q on stdout before the handshake. stdout is reserved for the "+
				"handshake line: the plugin must not write to stdout before calling sdk.Serve "+
				"(look for a print in main or in an init function of the plugin or its dependencies), "+
				"and should log through the Env.Logger it is given", program, line)}

	case strings.Contains(msg, "incompatible API version with plugin"):
		theirs := "an unknown version"
		if m := pluginVersionRE.FindStringSubmatch(msg); m != nil {
			theirs = "version " + m[1]
		}
		return &StartError{Plugin: name, Kind: ErrProtocol, Err: err,
			Detail: fmt.Sprintf("%s speaks streampipe plugin protocol %s, and this streampipe speaks %s. "+
				"Rebuild the plugin against a streampipe SDK (github.com/streampipe/streampipe/plugins/sdk) "+
				"that speaks protocol version %d, or use a streampipe release that speaks %s",
				program, theirs, versionList(wire.ProtocolVersions), wire.ProtocolVersion, theirs)}

	case strings.Contains(msg, "plugin exited before we could connect"):
		return &StartError{Plugin: name, Kind: ErrStart, Err: err,
			Detail: fmt.Sprintf("%s exited before the handshake%s", program, stderr)}

	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return &StartError{Plugin: name, Kind: ErrStart, Err: err,
			Detail: fmt.Sprintf("%s did not complete the handshake within start_timeout%s", program, stderr)}
	}
	return &StartError{Plugin: name, Kind: ErrStart, Err: err,
		Detail: fmt.Sprintf("starting %s: %v%s", program, err, stderr)}
}

func versionList(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprint(v)
	}
	if len(parts) == 1 {
		return "version " + parts[0]
	}
	return "versions " + strings.Join(parts, ", ")
}
