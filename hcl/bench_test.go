package hcl

import (
	"path/filepath"
	"testing"

	"github.com/streampipe/streampipe/stages"
)

// BenchmarkLoad loads the documentation's example pipeline against the
// built-in stage kinds: parse, variables, decoding, factories and linking.
func BenchmarkLoad(b *testing.B) {
	path := filepath.Join("testdata", "valid", "full.hcl")
	opts := Options{Registry: stages.Registry()}
	for b.Loop() {
		if _, diags := Load(path, opts); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
