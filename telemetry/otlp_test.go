package telemetry_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/streampipe/streampipe/telemetry"
)

// TestOTLPHTTPPush points the OTLP exporter at a loopback HTTP receiver
// and checks that pushes arrive, decode, carry the standard metrics and
// the configured header, and that Shutdown pushes a last time.
func TestOTLPHTTPPush(t *testing.T) {
	var (
		mu      sync.Mutex
		pushes  int
		names   = map[string]bool{}
		headers []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.URL.Path != "/v1/metrics" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var req colmetrics.ExportMetricsServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		pushes++
		headers = append(headers, r.Header.Get("Authorization"))
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					names[m.GetName()] = true
				}
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&colmetrics.ExportMetricsServiceResponse{})
		_, _ = w.Write(out)
	}))
	defer srv.Close()

	tel, err := telemetry.New(telemetry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := testPipeline(t, 30)
	tel.Attach(p)
	err = tel.Start(context.Background(), telemetry.Config{Listen: telemetry.ListenOff,
		OTLP: &telemetry.OTLPConfig{Endpoint: srv.URL, Protocol: telemetry.ProtocolHTTP,
			Interval: 100 * time.Millisecond, Headers: map[string]string{"Authorization": "Bearer t"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	poll(t, "two OTLP pushes", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return pushes >= 2
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mu.Lock()
	before := pushes
	mu.Unlock()
	if err := tel.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if pushes <= before {
		t.Errorf("Shutdown pushed nothing (%d pushes before, %d after)", before, pushes)
	}
	for _, n := range []string{telemetry.StageFramesIn, telemetry.StageProcessDuration,
		telemetry.CaptureInterval, telemetry.PluginRoundTripDuration} {
		if !names[n] {
			t.Errorf("no %s in the OTLP pushes", n)
		}
	}
	for _, h := range headers {
		if h != "Bearer t" {
			t.Errorf("Authorization header %q, want the configured one", h)
			break
		}
	}
}

// grpcReceiver is a loopback OTLP metrics receiver over gRPC.
type grpcReceiver struct {
	colmetrics.UnimplementedMetricsServiceServer
	mu     sync.Mutex
	pushes int
	names  map[string]bool
	auth   []string
}

func (g *grpcReceiver) Export(ctx context.Context, req *colmetrics.ExportMetricsServiceRequest) (*colmetrics.ExportMetricsServiceResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pushes++
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		g.auth = append(g.auth, md.Get("authorization")...)
	}
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				g.names[m.GetName()] = true
			}
		}
	}
	return &colmetrics.ExportMetricsServiceResponse{}, nil
}

// TestOTLPGRPCPush is TestOTLPHTTPPush over gRPC, the default protocol.
func TestOTLPGRPCPush(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	recv := &grpcReceiver{names: map[string]bool{}}
	srv := grpc.NewServer()
	colmetrics.RegisterMetricsServiceServer(srv, recv)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	tel := newTelemetry(t, telemetry.Options{})
	p, _ := testPipeline(t, 30)
	tel.Attach(p)
	err = tel.Start(context.Background(), telemetry.Config{Listen: telemetry.ListenOff,
		OTLP: &telemetry.OTLPConfig{Endpoint: ln.Addr().String(), Interval: 100 * time.Millisecond,
			Headers: map[string]string{"authorization": "Bearer g"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	poll(t, "two OTLP pushes over gRPC", 30*time.Second, func() bool {
		recv.mu.Lock()
		defer recv.mu.Unlock()
		return recv.pushes >= 2 && recv.names[telemetry.StageFramesIn]
	})
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.auth) == 0 || recv.auth[0] != "Bearer g" {
		t.Errorf("authorization metadata %v, want the configured header", recv.auth)
	}
}
