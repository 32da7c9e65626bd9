package hcl

import (
	"testing"

	"github.com/streampipe/streampipe/pipeline"
)

// tableRegistry is the registry the testdata files are checked against.
func tableRegistry(t testing.TB) *pipeline.Registry {
	t.Helper()
	// TODO: switch to stages.Registry() once the built-in stage packages
	// build; until then the testdata runs against the fake kinds.
	return testRegistry()
}
