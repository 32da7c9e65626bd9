package hcl

import (
	"bytes"
	"os"
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

// BenchmarkNestingScan measures the check every source passes before it
// is parsed, on the documentation's example repeated up to MaxFileSize.
func BenchmarkNestingScan(b *testing.B) {
	one, err := os.ReadFile(filepath.Join("testdata", "valid", "full.hcl"))
	if err != nil {
		b.Fatal(err)
	}
	src := bytes.Repeat(one, MaxFileSize/len(one))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, deep := nativeNesting(src, MaxNesting); deep {
			b.Fatal("refused")
		}
	}
}
