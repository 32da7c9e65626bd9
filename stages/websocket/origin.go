package websocket

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// originPolicy decides which browser origins may connect.
//
// Browsers send an Origin header with every WebSocket handshake and let any
// page open a socket to any host, so without this check a page on another
// site could read the stream with the visitor's network position. The sink's
// own origin (the viewer page) is always allowed; programs, which send no
// Origin, are too.
type originPolicy struct {
	any     bool
	allowed map[string]bool // normalised scheme://host:port
}

// parseOrigins builds the policy from allowed_origins entries.
func parseOrigins(list []string) (originPolicy, error) {
	p := originPolicy{allowed: map[string]bool{}}
	for _, s := range list {
		if s == "*" {
			p.any = true
			continue
		}
		o, err := normaliseOrigin(s)
		if err != nil {
			return originPolicy{}, err
		}
		p.allowed[o] = true
	}
	return p, nil
}

// allows reports whether r's Origin may connect.
func (p originPolicy) allows(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || p.any {
		return true
	}
	o, err := normaliseOrigin(origin)
	if err != nil {
		return false
	}
	if p.allowed[o] {
		return true
	}

	// Same origin: the Origin's host and port are the ones the request was
	// sent to. The scheme cannot be compared (TLS may end at a proxy).
	u, _ := url.Parse(o)
	return strings.EqualFold(u.Host, withDefaultPort(r.Host, u.Scheme))
}

// normaliseOrigin turns scheme://host[:port] into lower case with an
// explicit port, so "https://Example.com" and "https://example.com:443"
// compare equal. Anything else (a path, user info, another scheme) is an
// error.
func normaliseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("origin %q: %w", s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("origin %q: want http://host[:port] or https://host[:port]", s)
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("origin %q: want only scheme://host[:port], without path or query", s)
	}
	return scheme + "://" + strings.ToLower(withDefaultPort(u.Host, scheme)), nil
}

// withDefaultPort adds the scheme's default port to host when it has none.
func withDefaultPort(host, scheme string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		return host
	}
	if scheme == "https" {
		return host + ":443"
	}
	return host + ":80"
}
