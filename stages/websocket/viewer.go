package websocket

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
)

// viewerFiles holds the viewer page and its script: plain HTML and
// JavaScript, no build step, nothing loaded from elsewhere.
//
//go:embed viewer/index.html viewer/viewer.js viewer/status.js
var viewerFiles embed.FS

// viewerCSP keeps the page to its own script and its own server.
const viewerCSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; " +
	"img-src 'self' blob: data:; connect-src 'self' ws: wss:; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

// renderIndex renders the viewer page with the stream path and pipeline
// name injected (html/template escapes both).
func renderIndex(path, pipeline string) ([]byte, error) {
	t, err := template.ParseFS(viewerFiles, "viewer/index.html")
	if err != nil {
		return nil, fmt.Errorf("viewer page: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, struct{ Path, Pipeline string }{path, pipeline}); err != nil {
		return nil, fmt.Errorf("viewer page: %w", err)
	}
	return b.Bytes(), nil
}

func (s *Sink) serveIndex(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", viewerCSP)
	setCommonHeaders(h)
	if r.Method != http.MethodHead {
		_, _ = w.Write(s.index)
	}
}

// serveScript serves one of the embedded scripts of the viewer page.
func serveScript(w http.ResponseWriter, r *http.Request, name string) {
	if !allowGet(w, r) {
		return
	}
	js, err := viewerFiles.ReadFile(name)
	if err != nil {
		http.Error(w, name+" missing", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	setCommonHeaders(h)
	if r.Method != http.MethodHead {
		_, _ = w.Write(js)
	}
}

func allowGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func setCommonHeaders(h http.Header) {
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}
