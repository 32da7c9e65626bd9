package plugins

import (
	"context"
	"sync"
	"time"

	pb "github.com/streampipe/streampipe/plugins/proto"
)

// session is the Process stream of one plugin process. A sender goroutine
// writes batches so that the Run loop never blocks on a plugin that stopped
// reading (its timeout must still fire), and a receiver goroutine reads
// answers.
type session struct {
	proc    *process
	stream  pb.Stage_ProcessClient
	cancel  context.CancelFunc
	sendq   chan *pb.Batch
	results chan result
	done    chan struct{} // closed when the session is torn down
	closed  bool          // sendq closed; owned by the Run goroutine or Close
	endOnce sync.Once
}

// result is an answer from the plugin, or the error that ended the stream.
type result struct {
	batch *pb.Batch
	at    time.Time
	err   error
}

func openSession(proc *process, window int) (*session, error) {
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := proc.conn.Stage.Process(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	s := &session{
		proc:    proc,
		stream:  stream,
		cancel:  cancel,
		sendq:   make(chan *pb.Batch, window),
		results: make(chan result, window+1),
		done:    make(chan struct{}),
	}
	go s.send()
	go s.receive()
	return s, nil
}

func (s *session) send() {
	for b := range s.sendq {
		if err := s.stream.Send(b); err != nil {
			// The receiver sees the stream's real error.
			return
		}
	}
	_ = s.stream.CloseSend()
}

func (s *session) receive() {
	for {
		b, err := s.stream.Recv()
		r := result{batch: b, at: time.Now(), err: err}
		select {
		case s.results <- r:
		case <-s.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// closeSend ends the stream from the host's side.
func (s *session) closeSend() {
	if !s.closed {
		s.closed = true
		close(s.sendq)
	}
}

// teardown kills the process and ends the session's goroutines.
func (s *session) teardown() {
	s.closeSend()
	s.proc.kill()
	s.end()
}

// end releases the session's goroutines and stream.
func (s *session) end() {
	s.endOnce.Do(func() {
		s.cancel()
		close(s.done)
	})
}
