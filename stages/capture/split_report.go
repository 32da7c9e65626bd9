package capture

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/mjpeg"
)

// splitLogEvery is how often, at most, the anomalies of a split stream
// are logged; they are counted as drops at once.
const splitLogEvery = 10 * time.Second

// splitReport forwards an mjpeg.Splitter's counts to the stage's Reporter
// as they change, and logs them in aggregate, so a noisy stream cannot
// flood the log.
type splitReport struct {
	report pipeline.Reporter
	log    *slog.Logger

	last    mjpeg.Stats // counts already reported
	logged  mjpeg.Stats // counts already logged
	lastLog time.Time
}

// update takes the splitter's current counts.
func (r *splitReport) update(st mjpeg.Stats, now time.Time) {
	if d := st.Truncated - r.last.Truncated; d > 0 {
		r.report.Drop(pipeline.DropTruncated, int(d))
	}
	if d := st.Oversized + st.Invalid - r.last.Oversized - r.last.Invalid; d > 0 {
		r.report.Drop(pipeline.DropInvalid, int(d))
	}
	r.last = st
	if now.Sub(r.lastLog) >= splitLogEvery {
		r.flush(now)
	}
}

// flush logs what changed since the last log.
func (r *splitReport) flush(now time.Time) {
	st, was := r.last, r.logged
	if n := st.Oversized - was.Oversized; n > 0 {
		r.log.Warn("discarded frames larger than max_frame_size", "frames", n,
			"reason", "raise max_frame_size if the frames are genuine")
	}
	if n := st.Invalid - was.Invalid; n > 0 {
		r.log.Warn("discarded malformed frames", "frames", n, "reason", "broken JPEG marker structure")
	}
	if n := st.Truncated - was.Truncated; n > 0 {
		r.log.Debug("discarded truncated frames", "frames", n, "reason", "the stream ended inside them")
	}
	// The log vocabulary has no key for byte counts, so the count is part
	// of the reason.
	if n := st.GarbageBytes - was.GarbageBytes; n > 0 {
		r.log.Debug("skipped bytes outside frames", "reason", fmt.Sprintf("%d bytes of noise", n))
	}
	r.logged = st
	r.lastLog = now
}
