// Package suggest finds the name a user most likely meant, for "did you
// mean" hints in configuration and command-line errors.
package suggest

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"
)

// Closest returns the candidate closest to given, or "" when none is close
// enough to be a likely typo. Candidates are compared case-insensitively;
// a short name must be fewer than 3 edits away, a long one may be a
// quarter of its length off. A name of 3 or more characters that begins a
// single candidate, such as "drop_old" for "drop_oldest", matches it too.
func Closest(given string, candidates []string) string {
	lower := strings.ToLower(given)
	best, bestDist := "", max(3, len(lower)/4+1)
	for _, c := range candidates {
		if d := levenshtein.Distance(lower, strings.ToLower(c), nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" || len(lower) < 3 {
		return best
	}
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), lower) {
			if best != "" {
				return "" // it begins several
			}
			best = c
		}
	}
	return best
}

// DidYouMean returns ` Did you mean "x"?` for the closest candidate, or "",
// to end a sentence with.
func DidYouMean(given string, candidates []string) string {
	if s := Closest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
