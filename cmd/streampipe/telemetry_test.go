package main

import (
	"net"
	"strings"
	"testing"
)

// A synthetic pipeline that ends by itself after a second.
const shortPipeline = `pipeline "p" {
  capture "synthetic" {
    fps    = 30
    width  = 64
    height = 48
    frames = 30
  }
  sink "discard" {}
}
`

func TestRunTelemetryPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()

	// The hint names where the address came from.
	for _, tc := range []struct{ name, conf, hint, notHint string }{
		{"flag", shortPipeline, "-telemetry-listen", "telemetry {"},
		{"block", "telemetry {\n  listen = \"" + addr + "\"\n}\n" + shortPipeline, "telemetry {", "-telemetry-listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := writeFile(t, "p.hcl", tc.conf)
			args := []string{"run", conf}
			if tc.name == "flag" {
				args = append(args, "-telemetry-listen", addr)
			}
			_, errOut, code := invoke(t, args...)
			if code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s", code, exitFailure, errOut)
			}
			for _, want := range []string{addr, "uses the port", tc.hint} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if strings.Contains(errOut, tc.notHint) {
				t.Errorf("stderr names %q, where the address did not come from:\n%s", tc.notHint, errOut)
			}
		})
	}
}

func TestRunWithTelemetryOnAFreePort(t *testing.T) {
	conf := writeFile(t, "p.hcl", "telemetry {\n  listen = \"127.0.0.1:0\"\n}\n"+shortPipeline)
	_, errOut, code := invoke(t, "--log-level", "debug", "run", conf)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "telemetry listening on http://127.0.0.1:") {
		t.Errorf("no telemetry listening line:\n%s", errOut)
	}
}
