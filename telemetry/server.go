package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"syscall"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// The endpoints served beside the metrics path.
const (
	healthzPath = "/healthz"
	readyzPath  = "/readyz"
	statusPath  = "/status"
)

// server is the telemetry HTTP server.
type server struct {
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
}

// startServer binds cfg.Listen and serves t's endpoints in a goroutine.
func startServer(ctx context.Context, t *Telemetry, cfg Config) (*server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			change := "set telemetry { listen = \"...\" } to another address"
			if cfg.ListenFlag != "" {
				change = "pass another address to " + cfg.ListenFlag
			}
			return nil, fmt.Errorf("telemetry: listen on %s: %w; another program (or another streampipe) "+
				"uses the port: stop it, or %s", cfg.Listen, err, change)
		}
		return nil, fmt.Errorf("telemetry: listen on %s: %w", cfg.Listen, err)
	}
	s := &server{ln: ln, done: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           t.handler(cfg),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(t.log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.log.Error("telemetry server stopped", "error", err)
		}
	}()
	return s, nil
}

func (s *server) url() string { return "http://" + s.ln.Addr().String() }

func (s *server) shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
		err = fmt.Errorf("telemetry: stop server: %w", err)
	}
	<-s.done
	return err
}

// Handler serves the telemetry endpoints: the Prometheus exposition at
// metricsPath, and /healthz, /readyz and /status.
func (t *Telemetry) Handler(metricsPath string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, t.MetricsHandler())
	mux.HandleFunc("GET "+healthzPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET "+readyzPath, t.serveReadyz)
	mux.Handle("GET "+statusPath, t.StatusHandler())
	return mux
}

// handler is Handler plus, when cfg asks for it, the profiler.
func (t *Telemetry) handler(cfg Config) http.Handler {
	h := t.Handler(cfg.Path)
	if !cfg.Profiling {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// StatusHandler serves GET /status. The WebSocket sink's viewer page
// reads it from the sink's own origin through this handler.
func (t *Telemetry) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, t.Status())
	})
}

// Readiness is the document /readyz answers with.
type Readiness struct {
	Ready bool `json:"ready"`
	// NotReady lists every stage that is not ok, and why.
	NotReady []StageHealth `json:"not_ready"`
}

// StageHealth names a stage and its state.
type StageHealth struct {
	Pipeline string `json:"pipeline"`
	Stage    string `json:"stage"`
	State    string `json:"state"`
	Reason   string `json:"reason,omitempty"`
}

// Readiness reports whether every stage of every attached pipeline is ok.
// With no pipeline attached the process is not ready.
func (t *Telemetry) Readiness() Readiness {
	rd := Readiness{Ready: true, NotReady: []StageHealth{}}
	pipelines := t.attachedPipelines()
	if len(pipelines) == 0 {
		rd.Ready = false
	}
	for _, a := range pipelines {
		for _, s := range a.stages {
			h, reason := s.node.Stats.Health()
			if h == pipeline.HealthOK {
				continue
			}
			if h == pipeline.HealthStopping && reason == "" {
				reason = "draining"
			}
			rd.Ready = false
			rd.NotReady = append(rd.NotReady, StageHealth{
				Pipeline: a.p.Name(), Stage: s.node.Name, State: h.String(), Reason: reason,
			})
		}
	}
	return rd
}

func (t *Telemetry) serveReadyz(w http.ResponseWriter, r *http.Request) {
	rd := t.Readiness()
	code := http.StatusOK
	if !rd.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rd)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
