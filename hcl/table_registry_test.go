package hcl

import (
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages"
)

// tableRegistry is the registry the testdata files and the fuzz target are
// checked against: the real built-in kinds, plus the fake plugin stage
// kind "tag", since the built-ins include no stage of family "stage".
func tableRegistry(t testing.TB) *pipeline.Registry {
	t.Helper()
	r := stages.Registry().Clone()
	tag, _ := testRegistry().Lookup(pipeline.FamilyStage, "tag")
	if err := r.Register(*tag); err != nil {
		t.Fatal(err)
	}
	return r
}
