package alerting

import "time"

// State is an alert instance's state.
type State int

// States, in the order an alert moves through them.
const (
	StateInactive State = iota
	StatePending
	StateFiring
	StateResolved
)

var stateNames = [...]string{"inactive", "pending", "firing", "resolved"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "unknown"
	}
	return stateNames[s]
}

// instance is the state of one group of one rule.
type instance struct {
	labels map[string]string
	state  State
	// since is when the current state began; active when the condition
	// began to hold (the start of pending); fired and resolved when the
	// alert last fired and resolved.
	since, active, fired, resolved time.Time
	// value and threshold are from the last evaluation with data.
	value, threshold float64
	hasValue         bool
}

// step moves the instance given whether the condition holds now, and
// returns the state it left and whether it moved. A rule with forDur 0
// fires at once, without passing through pending.
func (in *instance) step(holds bool, now time.Time, forDur time.Duration) (State, bool) {
	from := in.state
	to := from
	switch from {
	case StateInactive, StateResolved:
		switch {
		case holds && forDur <= 0:
			to = StateFiring
		case holds:
			to = StatePending
		case from == StateResolved:
			to = StateInactive
		}
	case StatePending:
		switch {
		case !holds:
			to = StateInactive
		case now.Sub(in.active) >= forDur:
			to = StateFiring
		}
	case StateFiring:
		if !holds {
			to = StateResolved
		}
	}
	if to == from {
		return from, false
	}
	if (from == StateInactive || from == StateResolved) && holds {
		in.active = now
	}
	switch to {
	case StateFiring:
		in.fired = now
		in.resolved = time.Time{}
	case StateResolved:
		in.resolved = now
	}
	in.state, in.since = to, now
	return from, true
}
