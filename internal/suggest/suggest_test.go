package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"drop_oldest", "drop_newest", "block", "listen", "streampipe.stage.frames.dropped"}
	for _, tc := range []struct{ given, want string }{
		{"lisen", "listen"},
		{"LISTEN", "listen"},
		{"blok", "block"},
		{"drop_old", "drop_oldest"},                 // a prefix
		{"streampipe.stage.frames.dropd", names[4]}, // long names allow more edits
		{"bl", ""},                                  // too short to guess
		{"drop_", ""},                               // begins two
		{"parsecs", ""},                             // nothing close
	} {
		if got := Closest(tc.given, names); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.given, got, tc.want)
		}
	}
	if got := DidYouMean("lisen", names); got != ` Did you mean "listen"?` {
		t.Errorf("DidYouMean = %q", got)
	}
	if got := DidYouMean("parsecs", names); got != "" {
		t.Errorf("DidYouMean with nothing close = %q, want empty", got)
	}
}
