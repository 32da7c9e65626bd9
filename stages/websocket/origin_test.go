package websocket

import (
	"net/http"
	"testing"
)

func TestNormaliseOrigin(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "https://Example.COM", want: "https://example.com:443"},
		{in: "https://example.com:443", want: "https://example.com:443"},
		{in: "http://example.com", want: "http://example.com:80"},
		{in: "http://example.com:8080", want: "http://example.com:8080"},
		{in: "http://example.com/", want: "http://example.com:80"},
		{in: "http://[::1]:8080", want: "http://[::1]:8080"},
		{in: "http://[::1]", want: "http://[::1]:80"},
		{in: "HTTP://a.example", want: "http://a.example:80"},
		{in: "ws://a.example", wantErr: true},
		{in: "a.example", wantErr: true},
		{in: "https://a.example/app", wantErr: true},
		{in: "https://user@a.example", wantErr: true},
		{in: "https://a.example?x", wantErr: true},
		{in: "null", wantErr: true},
		{in: "", wantErr: true},
		{in: "%zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normaliseOrigin(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("normaliseOrigin(%q) = %q, %v; want error %v", tt.in, got, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("normaliseOrigin(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestOriginAllows(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		host    string
		origin  string
		want    bool
	}{
		{"no origin", nil, "h:8080", "", true},
		{"same", nil, "h:8080", "http://h:8080", true},
		{"same, default port omitted in host", nil, "h", "http://h", true},
		{"same, TLS ended at a proxy", nil, "h", "https://h", true},
		{"same host, case", nil, "H:8080", "http://h:8080", true},
		{"other", nil, "h:8080", "http://other:8080", false},
		{"opaque origin of a sandboxed page", nil, "h:8080", "null", false},
		{"listed", []string{"https://app.example"}, "h:8080", "https://app.example:443", true},
		{"wildcard", []string{"*"}, "h:8080", "null", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseOrigins(tt.allowed)
			if err != nil {
				t.Fatal(err)
			}
			r := &http.Request{Host: tt.host, Header: http.Header{}}
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if got := p.allows(r); got != tt.want {
				t.Errorf("allows = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{1: "1 message", 2: "2 messages", 29: "29 messages"} {
		if got := count(n, "message", "messages"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
