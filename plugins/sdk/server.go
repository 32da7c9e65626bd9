package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// sdkName identifies this SDK in Describe answers.
const sdkName = "streampipe-go"

// server implements the plugin side of the protocol for one Plugin.
type server struct {
	pb.UnimplementedStageServer

	plugin Plugin
	schema *pb.Schema
	log    *slog.Logger
	// maxMsg is the largest message the host accepts, in bytes.
	maxMsg int

	mu    sync.Mutex
	stage Stage // nil until configured
}

// newServer checks p and returns its gRPC service; its answers stay under
// maxMsg bytes. A malformed Plugin is a bug in the plugin's code, so it
// panics with a message saying what is wrong: the host shows the panic
// text when the plugin fails to start.
func newServer(p Plugin, logger *slog.Logger, maxMsg int) *server {
	if msg := checkPlugin(p); msg != "" {
		panic(msg)
	}
	schema, err := wire.SchemaToProto(p.Spec)
	if err != nil {
		panic(fmt.Sprintf("sdk: plugin %q: %v", p.Name, err))
	}
	return &server{plugin: p, schema: schema, log: logger, maxMsg: maxMsg}
}

func (s *server) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	stability := s.plugin.Stability
	if stability == "" {
		stability = pipeline.StabilityDevelopment
	}
	return &pb.DescribeResponse{
		Name:      s.plugin.Name,
		Version:   s.plugin.Version,
		Summary:   s.plugin.Summary,
		Doc:       s.plugin.Doc,
		Stability: string(stability),
		Schema:    s.schema,
		Sdk:       sdkName,
	}, nil
}

func (s *server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	c, err := wire.ConfigFromProto(s.plugin.Spec, req)
	if err != nil {
		return nil, err
	}

	// The host has checked everything already; checking again costs
	// nothing and protects a plugin driven by some other host.
	var diags []*pb.Diagnostic
	for _, a := range s.plugin.Spec.Attrs {
		v := c.Value(a.Name)
		if v == nil {
			if a.Required {
				diags = append(diags, &pb.Diagnostic{Attribute: a.Name, Summary: "Missing required argument",
					Detail: fmt.Sprintf("The argument %q is required.", a.Name)})
			}
			continue
		}
		if sum, detail := wire.CheckValue(a, v); sum != "" {
			diags = append(diags, &pb.Diagnostic{Attribute: a.Name, Summary: sum, Detail: detail})
		}
	}
	if len(diags) > 0 {
		return &pb.ConfigureResponse{Diagnostics: diags}, nil
	}

	env := Env{
		Pipeline: req.GetPipeline(),
		Stage:    req.GetStage(),
		Logger:   s.log,
	}
	if up := req.GetUpstream(); up != nil {
		env.Upstream.FPS = up.Fps
		env.Upstream.ContentType = up.ContentType
		for _, t := range up.Tiers {
			env.Upstream.Tiers = append(env.Upstream.Tiers, pipeline.TierInfo{Name: t})
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stage != nil {
		_ = s.stage.Close(ctx)
		s.stage = nil
	}
	st := s.plugin.New()
	if err := st.Configure(ctx, c, env); err != nil {
		var ce *pipeline.ConfigError
		if errors.As(err, &ce) {
			return &pb.ConfigureResponse{Diagnostics: []*pb.Diagnostic{{
				Attribute: ce.Attr, Summary: ce.Summary, Detail: ce.Detail,
			}}}, nil
		}
		return &pb.ConfigureResponse{Diagnostics: []*pb.Diagnostic{{
			Summary: "Plugin configuration failed", Detail: err.Error(),
		}}}, nil
	}
	s.stage = st
	return &pb.ConfigureResponse{}, nil
}

func (s *server) Process(stream pb.Stage_ProcessServer) error {
	s.mu.Lock()
	st := s.stage
	s.mu.Unlock()
	if st == nil {
		return errors.New("process: the stage is not configured")
	}
	ctx := stream.Context()
	for {
		in, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		out := &pb.Batch{Id: in.Id, Messages: make([]*pb.Message, 0, len(in.Messages))}
		budget := s.maxMsg - answerSlack
		for _, pm := range in.Messages {
			out.Messages = append(out.Messages, processMessage(ctx, st, pm, &budget))
		}
		if err := stream.Send(out); err != nil {
			return err
		}
	}
}

// answerSlack is room kept in an answer for the batch's own fields, so that
// frames fill at most the message size limit less this.
const answerSlack = 4096

// frameOverhead bounds what a frame costs in its message besides its own
// encoding: a field tag and a length of up to five bytes.
const frameOverhead = 6

// processMessage runs the stage on one message and encodes its answer.
// Output frames identical to an input frame are sent as references. A
// frame that does not fit in what is left of budget (bytes) is dropped and
// counted in the answer's too_large, so the answer never exceeds the host's
// message size limit, which would break the stream.
func processMessage(ctx context.Context, st Stage, pm *pb.Message, budget *int) *pb.Message {
	m := pipeline.Message{Tier: pm.Tier, Frames: make([]*pipeline.Frame, len(pm.Frames))}
	for i, f := range pm.Frames {
		m.Frames[i] = wire.FrameFromProto(f)
	}
	frames, err := st.Process(ctx, m)
	if err != nil {
		msg := err.Error()
		*budget -= len(msg) + len(pm.Tier) + 2*frameOverhead
		return &pb.Message{Tier: pm.Tier, Error: msg}
	}
	out := &pb.Message{Tier: pm.Tier, Frames: make([]*pb.Frame, 0, len(frames))}
	*budget -= len(pm.Tier) + 3*frameOverhead
	for _, f := range frames {
		if f == nil {
			continue
		}
		var pf *pb.Frame
		if i := indexOf(m.Frames, f); i >= 0 {
			pf = &pb.Frame{Seq: f.Seq, SameAs: uint32(i + 1)}
		} else {
			pf = wire.FrameToProto(f)
		}
		size := proto.Size(pf) + frameOverhead
		if size > *budget {
			out.TooLarge++
			continue
		}
		*budget -= size
		out.Frames = append(out.Frames, pf)
	}
	return out
}

// indexOf finds f among the input frames; messages hold few frames, so a
// scan beats a map.
func indexOf(frames []*pipeline.Frame, f *pipeline.Frame) int {
	for i, g := range frames {
		if g == f {
			return i
		}
	}
	return -1
}

func (s *server) Close(ctx context.Context, _ *pb.CloseRequest) (*pb.CloseResponse, error) {
	s.mu.Lock()
	st := s.stage
	s.stage = nil
	s.mu.Unlock()
	if st != nil {
		if err := st.Close(ctx); err != nil {
			return nil, err
		}
	}
	return &pb.CloseResponse{}, nil
}
