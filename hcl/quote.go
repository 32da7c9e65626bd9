package hcl

import (
	"fmt"
	"strings"
)

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
