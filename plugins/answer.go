package plugins

import (
	"context"
	"fmt"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// answer emits the plugin's answer to the oldest batch, message by
// message, after checking what the plugin returned:
//
//   - a message the plugin answered with an error: its frames are dropped
//     with reason plugin_error;
//   - frames the plugin dropped to keep its answer under max_message_size
//     (too_large): dropped with reason plugin_error;
//   - fewer frames out than in, otherwise: the plugin left them out on
//     purpose, counted as skipped;
//   - frames that break the rules of sdk.Stage.Process (see checkFrame):
//     dropped with reason invalid.
//
// The problems are logged at most once per warnInterval (see warn).
func (s *Stage) answer(ctx context.Context, sess *session, st *runState, r result) error {
	if len(st.queue) == 0 || r.batch.GetId() != st.queue[0].id {
		want := "none"
		if len(st.queue) > 0 {
			want = fmt.Sprint(st.queue[0].id)
		}
		s.fail(sess, st, failure{reason: reasonProtocol,
			err: fmt.Errorf("it answered batch %d when the oldest unanswered batch was %s", r.batch.GetId(), want)})
		return nil
	}
	b := st.queue[0]
	st.queue = st.queue[1:]
	s.rtt.observe(r.at.Sub(b.sent))
	// The plugin's processing time is its round trip less the time the
	// batch waited behind the one before it (batches overlap in flight);
	// none when the answer came while the one before was being emitted.
	began := b.sent
	if st.lastAnswer.After(began) {
		began = st.lastAnswer
	}
	s.env.Report.Processed(b.frames, max(r.at.Sub(began), 0))
	s.batches.Add(1)
	if s.consecutive > 0 {
		s.consecutive = 0
		s.env.Report.SetHealth(pipeline.HealthOK, "")
	}

	answers := r.batch.GetMessages()
	for i, m := range b.msgs {
		if i >= len(answers) {
			s.env.Report.Drop(pipeline.DropPluginError, m.Len())
			s.warn(warnProcessError, m.Len(), "no_answer",
				fmt.Sprintf("the plugin answered %d of the %d messages of a batch", len(answers), len(b.msgs)))
			continue
		}
		a := answers[i]
		if e := a.GetError(); e != "" {
			s.env.Report.Drop(pipeline.DropPluginError, m.Len())
			s.warn(warnProcessError, m.Len(), "plugin_error", e)
			continue
		}
		tooLarge := int(a.GetTooLarge())
		if tooLarge > 0 {
			s.env.Report.Drop(pipeline.DropPluginError, tooLarge)
			s.warn(warnTooLargeOutput, tooLarge, "too_large",
				fmt.Sprintf("the plugin left them out of its answer, which must stay under max_message_size "+
					"(%d bytes); raise max_message_size", s.decl.MaxMessageSize))
		}
		if skipped := m.Len() - len(a.GetFrames()) - tooLarge; skipped > 0 {
			s.env.Report.Skip(skipped)
		}
		frames := s.checkOutput(st, m, a.GetFrames())
		if len(frames) == 0 {
			continue
		}
		if err := st.out.Emit(ctx, pipeline.Message{Tier: m.Tier, Frames: frames}); err != nil {
			return err
		}
	}
	st.lastAnswer = time.Now()
	return nil
}

// checkOutput turns the plugin's answer to input message m into the frames
// to emit, dropping those checkFrame refuses or whose sequence number is
// not greater than the last emitted on m's tier.
func (s *Stage) checkOutput(st *runState, m pipeline.Message, out []*pb.Frame) []*pipeline.Frame {
	frames := make([]*pipeline.Frame, 0, len(out))
	last := st.lastSeq[m.Tier]
	for _, pf := range out {
		f, reason, detail := checkFrame(m, pf)
		if reason == "" && f.Seq <= last {
			reason = "sequence"
			detail = fmt.Sprintf("frame %d came after frame %d on tier %q; sequence numbers must increase "+
				"(is an input frame returned twice?)", f.Seq, last, m.Tier)
		}
		if reason != "" {
			s.env.Report.Drop(pipeline.DropInvalid, 1)
			s.warn(warnInvalidOutput, 1, reason, detail)
			continue
		}
		last = f.Seq
		frames = append(frames, f)
	}
	st.lastSeq[m.Tier] = last
	return frames
}

// checkFrame resolves an output frame of the answer to input message m. It
// returns the frame, or a reason from a fixed set (bad_reference,
// zero_time, empty_payload) and a detail when the frame is invalid. A
// frame without a content type gets that of the input frame with its
// sequence number, or else of m's first frame.
func checkFrame(m pipeline.Message, pf *pb.Frame) (*pipeline.Frame, string, string) {
	if j := int(pf.GetSameAs()); j > 0 {
		if j > len(m.Frames) {
			return nil, "bad_reference", fmt.Sprintf("an output frame refers to input frame %d of a message "+
				"of %d frames", j, len(m.Frames))
		}
		return m.Frames[j-1], "", ""
	}
	switch {
	case pf.GetCapturedUnixNano() <= 0:
		return nil, "zero_time", fmt.Sprintf("frame %d has no capture time; an added frame takes the one "+
			"of the frame it was made from", pf.GetSeq())
	case len(pf.GetPayload()) == 0:
		return nil, "empty_payload", fmt.Sprintf("frame %d has an empty payload", pf.GetSeq())
	}
	f := wire.FrameFromProto(pf)
	if f.ContentType == "" {
		f.ContentType = m.Frames[0].ContentType
		for _, in := range m.Frames {
			if in.Seq == f.Seq {
				f.ContentType = in.ContentType
				break
			}
		}
	}
	return f, "", ""
}
