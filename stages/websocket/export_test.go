package websocket

// QueuedBatches returns how many batches wait in the clients' send queues.
func QueuedBatches(s *Sink) int {
	n := 0
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for c := range s.hub.members {
		n += len(c.send)
	}
	return n
}

// RenderIndex renders the viewer page.
var RenderIndex = renderIndex
