package hcl

import (
	"fmt"
	"strings"
)

// suggest returns the candidate closest to given, or "" when none is close
// enough to be a likely typo. Candidates are compared case-insensitively.
func suggest(given string, candidates []string) string {
	given = strings.ToLower(given)
	best, bestDist := "", 3 // a suggestion must be fewer than 3 edits away
	for _, c := range candidates {
		if d := distance(given, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" || len(given) < 3 {
		return best
	}
	// A shortened name, such as "drop_old" for "drop_oldest".
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), given) {
			return c
		}
	}
	return ""
}

// didYouMean returns ` Did you mean "x"?` for the closest candidate, or "".
func didYouMean(given string, candidates []string) string {
	if s := suggest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// distance is the Levenshtein distance between a and b, counted in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// quoteList renders names as `"a", "b" or "c"`.
func quoteList(names []string) string { return joinQuoted(names, "or") }

// quoteAll renders names as `"a", "b" and "c"`.
func quoteAll(names []string) string { return joinQuoted(names, "and") }

func joinQuoted(names []string, conj string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return "(none)"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " " + conj + " " + q[len(q)-1]
}
