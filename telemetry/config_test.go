package telemetry_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/telemetry"
)

func TestConfigCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  telemetry.Config
		want []string // parts of the error, one per problem; none: valid
	}{
		{"defaults", telemetry.Config{}, nil},
		{"off", telemetry.Config{Listen: "off"}, nil},
		{"root path", telemetry.Config{Path: "/"}, nil},
		{"nested path", telemetry.Config{Path: "/prom/metrics-1_a.b~c"}, nil},
		{"every problem at once",
			telemetry.Config{Listen: "nonsense", Path: "/metrics?x=1", Disks: []string{""}},
			[]string{`listen "nonsense"`, "query", "empty path"}},
		{"flag named", telemetry.Config{Listen: "9464", ListenFlag: "-telemetry-listen"},
			[]string{`-telemetry-listen: telemetry listen "9464"`}},
		{"relative path", telemetry.Config{Path: "metrics"}, []string{"start with /"}},
		{"fragment", telemetry.Config{Path: "/metrics#x"}, []string{"fragment"}},
		{"double slash", telemetry.Config{Path: "//metrics"}, []string{`write "/metrics"`}},
		{"dot segment", telemetry.Config{Path: "/a/../metrics"}, []string{`write "/metrics"`}},
		{"trailing slash", telemetry.Config{Path: "/metrics/"}, []string{`write "/metrics"`}},
		{"space", telemetry.Config{Path: "/my metrics"}, []string{"' ' is not allowed"}},
		{"wildcard", telemetry.Config{Path: "/{name}"}, []string{"'{' is not allowed"}},
		{"escape", telemetry.Config{Path: "/m%20"}, []string{"'%' is not allowed"}},
		{"taken", telemetry.Config{Path: "/status"}, []string{"taken by the /status endpoint"}},
		{"otlp", telemetry.Config{OTLP: &telemetry.OTLPConfig{Protocol: "udp"}},
			[]string{"endpoint is required", `protocol "udp"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Check()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check() = nil, want errors about %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check() = %v; lacks %q", err, w)
				}
			}
			if n := len(strings.Split(err.Error(), "\n")); n != len(tc.want) {
				t.Errorf("Check() reports %d problems, want %d: %v", n, len(tc.want), err)
			}
		})
	}
}

// TestPortInUseNamesWhereTheAddressCameFrom: the hint of a port in use
// names the flag when the address came from one, and the telemetry
// block otherwise.
func TestPortInUseNamesWhereTheAddressCameFrom(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tc := range []struct{ flag, hint, notHint string }{
		{"", "telemetry { listen", "-telemetry-listen"},
		{"-telemetry-listen", "pass another address to -telemetry-listen", "telemetry {"},
	} {
		t.Run("flag="+tc.flag, func(t *testing.T) {
			tel := newTelemetry(t, telemetry.Options{})
			cfg := telemetry.Config{Listen: ln.Addr().String(), ListenFlag: tc.flag}
			err := tel.Start(context.Background(), cfg)
			if err == nil {
				t.Fatal("Start on a port in use succeeded")
			}
			if !strings.Contains(err.Error(), tc.hint) || strings.Contains(err.Error(), tc.notHint) {
				t.Errorf("error %q: want %q and not %q", err, tc.hint, tc.notHint)
			}
		})
	}
}
