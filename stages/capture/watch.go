package capture

import (
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// noFrameWarnAfter is how long a command may run without a single frame
// in its output before the capture warns.
const noFrameWarnAfter = 5 * time.Second

// outputWatch notices a command whose output holds no frames: one that
// writes nothing, or writes something other than MJPEG (a wrong -f in an
// ffmpeg command). The splitter cannot say so itself, since it returns only
// when it has a frame; so the reader counts bytes, the pump counts frames,
// and a ticker compares them.
type outputWatch struct {
	bytes, frames atomic.Int64
	stop          chan struct{}
	done          chan struct{}
}

// watchOutput wraps r and starts watching; call close when the command's
// output ends.
func watchOutput(r io.Reader, log *slog.Logger, report pipeline.Reporter, every time.Duration) (io.Reader, *outputWatch) {
	w := &outputWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go w.run(log, report, every)
	return countingReader{r: r, n: &w.bytes}, w
}

// frame records that a frame was emitted.
func (w *outputWatch) frame() { w.frames.Add(1) }

func (w *outputWatch) close() {
	close(w.stop)
	<-w.done
}

// run checks after every interval whether frames arrived in it, and warns
// once per silent spell (again only after frames flowed in between).
func (w *outputWatch) run(log *slog.Logger, report pipeline.Reporter, every time.Duration) {
	defer close(w.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	var lastFrames, lastBytes int64
	warned := false
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		frames, bytes := w.frames.Load(), w.bytes.Load()
		switch {
		case frames != lastFrames:
			if warned {
				report.SetHealth(pipeline.HealthOK, "")
			}
			warned = false
		case warned:
		case bytes == lastBytes:
			warned = true
			log.Warn("capture command writes nothing", "duration", every,
				"reason", "no output at all; check that the command writes its frames to stdout")
			report.SetHealth(pipeline.HealthDegraded, "no output from the capture command")
		default:
			warned = true
			log.Warn("capture command output holds no frames", "duration", every,
				"reason", fmt.Sprintf("%d bytes read without one JPEG frame; check the output format "+
					"(ffmpeg needs -f mjpeg)", bytes-lastBytes))
			report.SetHealth(pipeline.HealthDegraded, "no frames in the capture command's output")
		}
		lastFrames, lastBytes = frames, bytes
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
