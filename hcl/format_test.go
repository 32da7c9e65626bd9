package hcl

import (
	"testing"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		invalid         bool
	}{
		{
			name: "aligns and indents",
			src:  "pipeline \"p\" {\ncapture \"synthetic\" {\nfps=30\nwidth    = 640 # wide\n}\n}\n",
			want: "pipeline \"p\" {\n  capture \"synthetic\" {\n    fps   = 30\n    width = 640 # wide\n  }\n}\n",
		},
		{
			name: "already formatted is unchanged",
			src:  "variable \"v\" {\n  default = \"x\"\n}\n",
			want: "variable \"v\" {\n  default = \"x\"\n}\n",
		},
		{name: "syntax error", src: "pipeline \"p\" {\n  fps = = 1\n}\n", invalid: true},
		{name: "unclosed block", src: "pipeline \"p\" {\n", invalid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := Format("in.hcl", []byte(tc.src))
			if tc.invalid {
				if !diags.HasErrors() || got != nil {
					t.Fatalf("Format = %q, %v; want no output and errors", got, diags)
				}
				if diags[0].Subject == nil || diags[0].Subject.Filename != "in.hcl" {
					t.Errorf("syntax error not placed in in.hcl: %v", diags[0])
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if string(got) != tc.want {
				t.Errorf("Format =\n%s\nwant\n%s", got, tc.want)
			}
			again, _ := Format("in.hcl", got)
			if string(again) != string(got) {
				t.Errorf("Format is not idempotent:\n%s", again)
			}
		})
	}
}
