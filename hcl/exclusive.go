package hcl

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/telemetry"
)

// claim is the use of an exclusive resource (see pipeline.Attr.Exclusive)
// by a stage or by the telemetry block.
type claim struct {
	ns    string
	value string
	attr  string
	// written is false for an attribute's default.
	written bool
	// rng is where the value is written, or the block's header for a
	// default.
	rng   hcl.Range
	owner string
}

// checkExclusive reports every claim on a resource that an earlier claim
// in the file holds already, across all pipelines and the telemetry block.
// Only blocks that decoded and checked cleanly take part, so that a wrong
// value is not reported twice.
func (l *loader) checkExclusive() hcl.Diagnostics {
	var claims []claim
	for _, p := range l.pipelines {
		for _, s := range p.chain {
			if !s.ok || s.cfg == nil {
				continue
			}
			owner := fmt.Sprintf("stage %q of pipeline %q", s.name, p.name)
			claims = appendClaims(claims, s.cfg, owner, s.defRange)
		}
	}
	switch flag := l.opts.TelemetryListen; {
	case flag != "":
		if flag != telemetry.ListenOff {
			// Before every claim of the file, so the stage is the one
			// reported.
			claims = append(claims, claim{ns: pipeline.ResourceListen, value: flag, attr: "listen",
				written: true, rng: hcl.Range{Start: hcl.Pos{Byte: -1}}, owner: "-telemetry-listen"})
		}
	case l.telemetryConfig != nil && l.telemetry != nil && l.telemetry.Listen != telemetry.ListenOff:
		claims = appendClaims(claims, l.telemetryConfig, "the telemetry block", *l.telemetryRange)
	}
	slices.SortStableFunc(claims, func(a, b claim) int {
		return a.rng.Start.Byte - b.rng.Start.Byte
	})

	var diags hcl.Diagnostics
	for i, c := range claims {
		for _, first := range claims[:i] {
			if conflicts(first, c) {
				diags = diags.Append(exclusiveConflict(first, c))
				break
			}
		}
	}
	return diags
}

// appendClaims adds the claims of cfg and of its nested blocks. defRange
// is where a default is reported: the header of the block that takes it.
func appendClaims(claims []claim, cfg *pipeline.Config, owner string, defRange hcl.Range) []claim {
	for _, a := range cfg.Spec.Attrs {
		if a.Exclusive == "" || (a.Type != pipeline.TypeString && a.Type != pipeline.TypePath) {
			continue
		}
		v, _ := cfg.Value(a.Name).(string)
		if v == "" {
			continue
		}
		c := claim{ns: a.Exclusive, value: v, attr: a.Name, written: cfg.IsSet(a.Name),
			rng: defRange, owner: owner}
		if c.written {
			c.rng = toHCLRange(cfg.Range(a.Name))
		}
		claims = append(claims, c)
	}
	for _, bs := range cfg.Spec.Blocks {
		for _, b := range cfg.Blocks(bs.Name) {
			claims = appendClaims(claims, b, owner, toHCLRange(b.DefRange))
		}
	}
	return claims
}

// conflicts reports whether two claims want the same resource.
func conflicts(a, b claim) bool {
	if a.ns != b.ns {
		return false
	}
	switch a.ns {
	case pipeline.ResourceListen:
		return listenConflicts(a.value, b.value)
	case pipeline.ResourceFile:
		return filepath.Clean(a.value) == filepath.Clean(b.value)
	}
	return a.value == b.value
}

// listenConflicts reports whether two listen addresses cannot both be
// bound: the same port on the same host, or on any host when one of them
// is a wildcard, or localhost and a loopback address. Port 0 takes a free
// port and never conflicts. Other host names are not resolved.
func listenConflicts(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil {
		return a == b
	}
	na, errA := strconv.Atoi(pa)
	nb, errB := strconv.Atoi(pb)
	switch {
	case errA != nil || errB != nil:
		if pa != pb {
			return false
		}
	case na == 0 || nb == 0 || na != nb:
		return false
	}
	return wildcardHost(ha) || wildcardHost(hb) || strings.EqualFold(ha, hb) ||
		localhostOf(ha, hb) || localhostOf(hb, ha)
}

// localhostOf reports whether a is localhost and b an address localhost
// may bind: localhost, an IPv4 loopback address or ::1. Other host names
// are not resolved.
func localhostOf(a, b string) bool {
	if !strings.EqualFold(a, "localhost") {
		return false
	}
	ip := net.ParseIP(b)
	return strings.EqualFold(b, "localhost") || (ip != nil && ip.IsLoopback())
}

// wildcardHost reports whether a listener on host takes its port on every
// interface.
func wildcardHost(host string) bool {
	return host == "" || host == "0.0.0.0" || host == "::"
}

// exclusiveConflict reports claim c on a resource that first holds
// already.
func exclusiveConflict(first, c claim) *hcl.Diagnostic {
	what := fmt.Sprintf("The %s %q", c.ns, c.value)
	if !c.written {
		what = fmt.Sprintf("The %s of %s, %q (the default of %s),", c.ns, c.owner, c.value, c.attr)
	}
	uses := "is"
	if c.value != first.value {
		uses = fmt.Sprintf("overlaps %q,", first.value)
	}
	at := first.rng.Start
	place := fmt.Sprintf(" at %s:%d:%d", first.rng.Filename, at.Line, at.Column)
	if first.rng.Filename == "" {
		place = "" // a command-line flag
	}

	var why, fix string
	switch c.ns {
	case pipeline.ResourceListen:
		why = "Two listeners cannot share an address, so run would fail with \"address already " +
			"in use\""
		if c.value != first.value {
			why += "; a host of 0.0.0.0, :: or none takes the port on every interface, and " +
				"localhost takes it on a loopback address"
		}
		fix = "Give one of them another port; port 0 takes any free one."
	case pipeline.ResourceFile:
		why = "Two stages writing one file would overwrite each other's frames"
		fix = fmt.Sprintf("Give one of them another %s.", c.attr)
	default:
		why = "Only one stage of a file may use it"
		fix = fmt.Sprintf("Give one of them another %s.", c.attr)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  upperFirst(c.ns) + " already used",
		Detail: fmt.Sprintf("%s %s first used by %s%s. %s. %s",
			what, uses, first.owner, place, why, fix),
		Subject: c.rng.Ptr(),
	}
}
