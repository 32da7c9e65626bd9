package websocket

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

// Errors of hub.add.
var (
	errFull   = errors.New("max_clients reached")
	errClosed = errors.New("sink closed")
)

// hub tracks the connected clients and which tier each watches.
//
// The broadcaster reads a tier's clients without locking: each tier's list
// is an immutable slice behind an atomic pointer, replaced whole (copy on
// write) when a client joins, leaves or changes tier. Joins and leaves are
// rare next to broadcasts, and copying a few thousand pointers is cheaper
// than taking a lock for every batch.
type hub struct {
	mu      sync.Mutex // serialises changes; readers use the pointers
	lists   []atomic.Pointer[[]*client]
	members map[*client]int // client -> tier index
	max     int
	closed  bool
	n       atomic.Int64
}

func (h *hub) init(tiers, max int) {
	h.lists = make([]atomic.Pointer[[]*client], tiers)
	for i := range h.lists {
		h.lists[i].Store(new([]*client))
	}
	h.members = map[*client]int{}
	h.max = max
}

// tier returns the clients of tier t. The slice must not be modified.
func (h *hub) tier(t int) []*client { return *h.lists[t].Load() }

// count returns the number of clients.
func (h *hub) count() int { return int(h.n.Load()) }

// add registers c on tier t, unless the hub is full or closed.
func (h *hub) add(c *client, t int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return errClosed
	case len(h.members) >= h.max:
		return errFull
	}
	h.members[c] = t
	h.n.Store(int64(len(h.members)))
	h.insert(c, t)
	return nil
}

// move puts c on tier t. It does nothing for a client that left.
func (h *hub) move(c *client, t int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	from, ok := h.members[c]
	if !ok || from == t {
		return
	}
	h.members[c] = t
	h.delete(c, from)
	h.insert(c, t)
}

// remove forgets c.
func (h *hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.members[c]
	if !ok {
		return
	}
	delete(h.members, c)
	h.n.Store(int64(len(h.members)))
	h.delete(c, t)
}

// shutdown refuses further clients and returns the current ones.
func (h *hub) shutdown() []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	out := make([]*client, 0, len(h.members))
	for c := range h.members {
		out = append(out, c)
	}
	return out
}

// insert and delete replace tier t's list; h.mu must be held.
func (h *hub) insert(c *client, t int) {
	old := *h.lists[t].Load()
	next := make([]*client, len(old), len(old)+1)
	copy(next, old)
	next = append(next, c)
	h.lists[t].Store(&next)
}

func (h *hub) delete(c *client, t int) {
	old := *h.lists[t].Load()
	i := slices.Index(old, c)
	if i < 0 {
		return
	}
	next := make([]*client, 0, len(old)-1)
	next = append(next, old[:i]...)
	next = append(next, old[i+1:]...)
	h.lists[t].Store(&next)
}
