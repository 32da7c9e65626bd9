// Package sdktest runs a plugin stage in-process for its author's unit
// tests: the plugin is served over a real gRPC connection in memory, and its
// settings are checked against its schema as streampipe checks them, so a
// test exercises the same code as a plugin process does, without building
// one.
//
//	h, err := sdktest.Start(myPlugin, map[string]any{"strength": 0.5})
//	if err != nil { ... }
//	defer h.Close()
//	out, err := h.Process(pipeline.Single("high", frame))
package sdktest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/bridge"
	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
	"github.com/streampipe/streampipe/plugins/sdk"
)

// Harness is a plugin stage served in-process. Its methods must be called
// from one goroutine.
type Harness struct {
	spec   pipeline.Spec
	server *grpc.Server
	conn   *grpc.ClientConn
	stream pb.Stage_ProcessClient
	client pb.StageClient
	cancel context.CancelFunc
	nextID uint64
	// tooLarge counts the output frames of the last Process call that
	// did not fit under the message size limit.
	tooLarge int
}

// Options tune a Harness.
type Options struct {
	// Logger receives the plugin's log lines; nil discards them.
	Logger *slog.Logger
	// Upstream describes the stream the stage is told it receives.
	Upstream pipeline.StreamInfo
	// MaxMessageSize is the message size limit, in bytes, as a plugin
	// block's max_message_size sets it; 0 means the default (64 MiB).
	MaxMessageSize int
}

// Start serves p in-process, configures it with settings (attribute name
// to value, in the Go forms of pipeline.Attr.Default: time.Duration for
// durations, int64 bytes for sizes) and opens its frame stream. Settings
// that streampipe would refuse (unknown attributes, wrong types, values
// out of range, missing required ones) and the plugin's own Configure
// errors are returned as errors.
func Start(p sdk.Plugin, settings map[string]any, opts ...Options) (*Harness, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	limit := o.MaxMessageSize
	if limit <= 0 {
		limit = wire.DefaultMaxMessageSize
	}
	impl := bridge.NewServer(p, o.Logger, limit).(pb.StageServer)

	ln := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(limit), grpc.MaxSendMsgSize(limit))
	pb.RegisterStageServer(srv, impl)
	go func() { _ = srv.Serve(ln) }()
	conn, err := grpc.NewClient("passthrough:///sdktest",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(limit), grpc.MaxCallSendMsgSize(limit)))
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("sdktest: %w", err)
	}
	h := &Harness{server: srv, conn: conn, client: pb.NewStageClient(conn)}
	if err := h.start(p, settings, o); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

func (h *Harness) start(p sdk.Plugin, settings map[string]any, o Options) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Read the schema over the wire, as the host does.
	desc, err := h.client.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return fmt.Errorf("sdktest: describe: %w", err)
	}
	if h.spec, err = wire.SchemaFromProto(desc.GetSchema()); err != nil {
		return fmt.Errorf("sdktest: %w", err)
	}

	// Check the settings as the host's loader would.
	c := pipeline.NewConfig(h.spec, "sdktest")
	for name, v := range settings {
		a, ok := h.spec.Attr(name)
		if !ok {
			return fmt.Errorf("sdktest: Unsupported argument: %q is not declared by plugin %s", name, p.Name)
		}
		if _, err := wire.ValueToProto(a.Type, v); err != nil {
			return fmt.Errorf("sdktest: Incorrect attribute value type: %s: %w", name, err)
		}
		if sum, detail := wire.CheckValue(a, v); sum != "" {
			return fmt.Errorf("sdktest: %s: %s", sum, detail)
		}
		c.Set(name, v, pipeline.Range{})
	}
	for _, a := range h.spec.Attrs {
		if a.Required && c.Value(a.Name) == nil {
			return fmt.Errorf("sdktest: Missing required argument: %q", a.Name)
		}
	}

	req, err := wire.ConfigToProto(c)
	if err != nil {
		return fmt.Errorf("sdktest: %w", err)
	}
	req.Pipeline, req.Stage = "sdktest", p.Name
	req.Upstream = &pb.StreamInfo{Fps: o.Upstream.FPS, ContentType: o.Upstream.ContentType}
	for _, t := range o.Upstream.Tiers {
		req.Upstream.Tiers = append(req.Upstream.Tiers, t.Name)
	}
	resp, err := h.client.Configure(ctx, req)
	if err != nil {
		return fmt.Errorf("sdktest: configure: %w", err)
	}
	if d := resp.GetDiagnostics(); len(d) > 0 {
		return fmt.Errorf("sdktest: configure: %s: %s: %s", d[0].GetAttribute(), d[0].GetSummary(), d[0].GetDetail())
	}

	streamCtx, streamCancel := context.WithCancel(context.Background())
	h.cancel = streamCancel
	if h.stream, err = h.client.Process(streamCtx); err != nil {
		return fmt.Errorf("sdktest: process: %w", err)
	}
	return nil
}

// Spec returns the plugin's schema as streampipe sees it.
func (h *Harness) Spec() pipeline.Spec { return h.spec }

// Process sends one message through the plugin and returns the frames it
// answered with, or the error its Process returned. Output frames that did
// not fit under the message size limit are left out, as streampipe leaves
// them out; TooLarge counts them.
func (h *Harness) Process(m pipeline.Message) ([]*pipeline.Frame, error) {
	h.nextID++
	if err := h.stream.Send(&pb.Batch{Id: h.nextID, Messages: []*pb.Message{wire.MessageToProto(m)}}); err != nil {
		return nil, fmt.Errorf("sdktest: send: %w", err)
	}
	b, err := h.stream.Recv()
	if err != nil {
		return nil, fmt.Errorf("sdktest: receive: %w", err)
	}
	if b.GetId() != h.nextID || len(b.GetMessages()) != 1 {
		return nil, fmt.Errorf("sdktest: the plugin answered batch %d with %d messages", b.GetId(), len(b.GetMessages()))
	}
	a := b.GetMessages()[0]
	h.tooLarge = int(a.GetTooLarge())
	if a.GetError() != "" {
		return nil, fmt.Errorf("%s", a.GetError())
	}
	out := make([]*pipeline.Frame, 0, len(a.GetFrames()))
	for _, f := range a.GetFrames() {
		if j := int(f.GetSameAs()); j > 0 && j <= len(m.Frames) {
			out = append(out, m.Frames[j-1])
			continue
		}
		out = append(out, wire.FrameFromProto(f))
	}
	return out, nil
}

// TooLarge returns how many output frames of the last Process call were
// dropped because they did not fit under the message size limit
// (Options.MaxMessageSize).
func (h *Harness) TooLarge() int { return h.tooLarge }

// Close closes the stage and stops serving it.
func (h *Harness) Close() error {
	var err error
	if h.stream != nil {
		_ = h.stream.CloseSend()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = h.client.Close(ctx, &pb.CloseRequest{})
		cancel()
	}
	if h.cancel != nil {
		h.cancel()
	}
	h.conn.Close()
	h.server.Stop()
	return err
}

// New is Start for tests: it fails t on error and closes the harness when
// the test ends.
func New(t testing.TB, p sdk.Plugin, settings map[string]any, opts ...Options) *Harness {
	t.Helper()
	h, err := Start(p, settings, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("sdktest: close: %v", err)
		}
	})
	return h
}
