package hcl

import (
	"bytes"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/stages"
)

// TestReferenceDoc keeps docs/configuration.md in step with the registry:
// it fails when the committed file differs from what WriteReference
// produces. Regenerate with go test ./hcl -run TestReferenceDoc -update.
func TestReferenceDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteReference(&buf, stages.Registry(), ReferenceMarkdown); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, testenv.Path(t, "docs", "configuration.md"), buf.Bytes())
}

func TestReferenceCoversEveryKind(t *testing.T) {
	reg := tableRegistry(t)
	for _, format := range []string{ReferenceMarkdown, ReferenceText} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteReference(&buf, reg, format); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			want := []string{`variable`, `pipeline`, `drain_timeout`, "STREAMPIPE_VAR_", "format", "upper"}
			for _, k := range reg.Kinds() {
				want = append(want, kindHeader(k))
				for _, a := range k.Spec.Attrs {
					want = append(want, a.Name)
				}
				for _, b := range k.Spec.Blocks {
					want = append(want, nestedHeader(b))
					for _, a := range b.Spec.Attrs {
						want = append(want, a.Name)
					}
				}
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("reference lacks %q", w)
				}
			}

			var again bytes.Buffer
			if err := WriteReference(&again, reg, format); err != nil {
				t.Fatal(err)
			}
			if again.String() != out {
				t.Error("reference output is not deterministic")
			}
		})
	}
}

func TestReferenceText(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteReference(&buf, testRegistry(), ReferenceText); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		// Attribute lines: name, type, then facts, aligned.
		"    capacity  integer  default 10, at least 1\n",
		"    on_full   string   default \"drop_oldest\", one of \"drop_oldest\", \"drop_newest\" or \"block\"\n",
		"    command          list(string)  required\n",
		"    tier \"NAME\" block, any number\n",
		"        fps           number   required, greater than 0\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text reference lacks %q", want)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if len(line) > 100 {
			t.Errorf("line %d is %d columns wide: %q", i+1, len(line), line)
		}
	}
}

// TestReferenceValues checks that the values section explains what users
// ask about: the case and base of size units, JSON files, the limits.
func TestReferenceValues(t *testing.T) {
	for _, format := range []string{ReferenceMarkdown, ReferenceText} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteReference(&buf, tableRegistry(t), format); err != nil {
				t.Fatal(err)
			}
			// The text format rewraps the prose.
			out := strings.Join(strings.Fields(buf.String()), " ")
			for _, want := range []string{
				"Units are case-insensitive",
				"4K", "are 4000 bytes", "4KiB", "is 4096",
				"ends in", ".json", "is read in HCL's JSON syntax",
				"at most 4 MiB", "256 levels deep",
				`marked "unique in the file"`, "port 0",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("reference lacks %q", want)
				}
			}
			// The paragraph, the websocket sink's listen and the file
			// sink's path.
			if n := strings.Count(out, "unique in the file"); n < 3 {
				t.Errorf("reference says \"unique in the file\" %d times, want at least 3", n)
			}
		})
	}
}

func TestReferenceUnknownFormat(t *testing.T) {
	if err := WriteReference(&bytes.Buffer{}, testRegistry(), "html"); err == nil {
		t.Error("WriteReference accepted format html")
	}
}
