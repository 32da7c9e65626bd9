package capture

import (
	"bytes"
	"strings"
	"sync"
)

// maxLineLen bounds one kept line of a command's standard error; the rest
// of a longer line is dropped.
const maxLineLen = 1024

// lineRing is an io.Writer that keeps the last lines written to it, for
// quoting a command's standard error when it fails. Lines end at '\n' or
// '\r' (ffmpeg redraws its progress line with '\r'); empty lines are not
// kept. It is safe for one writer and any number of readers at once.
type lineRing struct {
	mu      sync.Mutex
	lines   []string // ring storage; its length is the capacity
	next    int      // where the next line goes
	n       int      // lines held
	partial []byte   // the unfinished last line
	cut     bool     // partial reached maxLineLen; drop until the line ends
}

// newLineRing returns a ring keeping the last n lines; with n <= 0 it
// keeps none.
func newLineRing(n int) *lineRing {
	return &lineRing{lines: make([]string, max(n, 0))}
}

// Write implements io.Writer. It never fails.
func (r *lineRing) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lines) == 0 {
		return len(p), nil
	}
	for rest := p; len(rest) > 0; {
		i := bytes.IndexAny(rest, "\r\n")
		chunk := rest
		if i >= 0 {
			chunk = rest[:i]
		}
		if !r.cut {
			room := maxLineLen - len(r.partial)
			if len(chunk) > room {
				chunk, r.cut = chunk[:room], true
			}
			r.partial = append(r.partial, chunk...)
		}
		if i < 0 {
			break
		}
		r.endLine()
		rest = rest[i+1:]
	}
	return len(p), nil
}

// endLine moves the partial line into the ring.
func (r *lineRing) endLine() {
	if line := strings.TrimSpace(strings.ToValidUTF8(string(r.partial), "\uFFFD")); line != "" {
		r.lines[r.next] = line
		r.next = (r.next + 1) % len(r.lines)
		r.n = min(r.n+1, len(r.lines))
	}
	r.partial = r.partial[:0]
	r.cut = false
}

// Lines returns the kept lines, oldest first, including an unfinished last
// line.
func (r *lineRing) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, r.n+1)
	for i := range r.n {
		out = append(out, r.lines[(r.next-r.n+i+len(r.lines))%len(r.lines)])
	}
	if line := strings.TrimSpace(strings.ToValidUTF8(string(r.partial), "\uFFFD")); line != "" {
		out = append(out, line)
		if len(out) > len(r.lines) {
			out = out[1:]
		}
	}
	return out
}

// Reset forgets every line.
func (r *lineRing) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.lines)
	r.next, r.n = 0, 0
	r.partial = r.partial[:0]
	r.cut = false
}
