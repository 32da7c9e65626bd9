package hcl

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// The parsers of hashicorp/hcl descend recursively, and a goroutine that
// runs out of stack kills the process, recover or not. So before any
// source reaches them, nestingScan measures how deeply it nests what the
// parsers recurse on, and the loader refuses a source that goes past
// MaxNesting. The scan is a small lexer, not a parser: it knows strings,
// heredocs, comments and templates well enough never to count a bracket
// inside a string or a comment, and errs on the side of counting less, so
// that a valid file is never refused. It reads each byte once and keeps
// one frame per open bracket, so it costs little even on a 4 MiB file.

// frameKind is what opened a frame of the scan.
type frameKind uint8

const (
	frameRoot    frameKind = iota // the file's top level
	frameBrace                    // { }: a block body or an object
	frameBracket                  // [ ]: a tuple, an index or a for
	frameParen                    // ( ): grouping or a call
	frameInterp                   // ${ } or %{ } inside a template
	frameQuote                    // "...": a quoted template
	frameHeredoc                  // <<EOF ... EOF: a heredoc template
	frameBare                     // a template with no end mark (a JSON string)
)

// frame is one open construct. Its cost is what it adds to the depth: one
// for itself (nothing for the root and the template frames, whose
// interpolations count instead), plus the unary operators and
// conditionals pending at its level, plus the template directives (if,
// for) open in it.
type frame struct {
	kind   frameKind
	marker []byte // the heredoc's closing marker
	own    int
	// unary counts the ! and - operators waiting for their operand, which
	// the parser recurses into one by one; any other operator or a
	// separator ends them.
	unary int
	// cond counts the conditionals (a ? b : c ? ...) open at this level,
	// which the parser nests to the right until a separator.
	cond int
	// directives counts the %{ if } and %{ for } open in a template.
	directives int
}

func (f *frame) cost() int { return f.own + f.unary + f.cond + f.directives }

// nestingScan scans one source for nesting deeper than limit.
type nestingScan struct {
	src   []byte
	limit int
	i     int
	// line and lineStart place i, for the position of the refusal.
	line, lineStart int
	// startOfLine is set right after a newline, where a heredoc may end.
	startOfLine bool
	stack       []frame
	depth       int
	// operand is set after a token that ends an operand (a name, a
	// number, a closing bracket or quote), after which - is binary.
	operand bool
	// over is where the depth first went past limit.
	over    hcl.Pos
	overSet bool
}

// nativeNesting scans HCL native syntax, a whole file or one expression
// (both start in the same state). It returns where the nesting first goes
// deeper than limit, or false when it never does.
func nativeNesting(src []byte, limit int) (hcl.Pos, bool) {
	s := &nestingScan{src: src, limit: limit, line: 1, startOfLine: true}
	s.stack = append(s.stack, frame{kind: frameRoot})
	s.run()
	return s.over, s.overSet
}

// templateNesting scans the text of a template that has no end mark, such
// as a JSON string. Positions are relative to the template's text.
func templateNesting(src []byte, limit int) (hcl.Pos, bool) {
	s := &nestingScan{src: src, limit: limit, line: 1}
	s.stack = append(s.stack, frame{kind: frameBare})
	s.run()
	return s.over, s.overSet
}

func (s *nestingScan) run() {
	for s.i < len(s.src) && !s.overSet {
		switch s.top().kind {
		case frameQuote, frameHeredoc, frameBare:
			s.template()
		default:
			s.code()
		}
	}
}

func (s *nestingScan) top() *frame { return &s.stack[len(s.stack)-1] }

// pos returns the position of byte i; columns count characters.
func (s *nestingScan) pos(i int) hcl.Pos {
	col := utf8.RuneCount(s.src[s.lineStart:i]) + 1
	return hcl.Pos{Line: s.line, Column: col, Byte: i}
}

// deeper adds n to the depth, for a construct that starts at byte at.
func (s *nestingScan) deeper(n, at int) {
	s.depth += n
	if s.depth > s.limit && !s.overSet {
		s.over, s.overSet = s.pos(at), true
	}
}

func (s *nestingScan) push(f frame, at int) {
	s.stack = append(s.stack, f)
	s.deeper(f.own, at)
}

func (s *nestingScan) pop() {
	s.depth -= s.top().cost()
	s.stack = s.stack[:len(s.stack)-1]
}

// endOperands drops the unary operators pending at the top frame: an
// operator or separator other than a unary one has ended their operand.
func (s *nestingScan) endOperands() {
	f := s.top()
	s.depth -= f.unary
	f.unary = 0
}

// endItem drops what is pending at the top frame at the end of an item
// (an attribute, an element, an argument).
func (s *nestingScan) endItem() {
	s.endOperands()
	f := s.top()
	s.depth -= f.cond
	f.cond = 0
}

func (s *nestingScan) newline() {
	s.line++
	s.lineStart = s.i
	s.startOfLine = true
}

func (s *nestingScan) peek(k int) byte {
	if s.i+k < len(s.src) {
		return s.src[s.i+k]
	}
	return 0
}

// code scans one token of expression or body syntax.
func (s *nestingScan) code() {
	c := s.src[s.i]
	switch {
	case c == '\n':
		s.i++
		s.newline()
		// A newline ends an attribute in a body and an item in an
		// object; inside brackets and parentheses the parser skips it.
		if k := s.top().kind; k == frameRoot || k == frameBrace {
			s.endItem()
		}
		return
	case c == ' ' || c == '\t' || c == '\r':
		s.i++
		return
	case c == '#' || (c == '/' && s.peek(1) == '/'):
		s.skipLine()
		return
	case c == '/' && s.peek(1) == '*':
		s.skipBlockComment()
		return
	}
	s.startOfLine = false

	switch {
	case c == '"':
		s.push(frame{kind: frameQuote}, s.i)
		s.i++
		s.operand = false
	case c == '<' && s.peek(1) == '<' && s.heredoc():
		s.operand = false
	case c == '{' || c == '[' || c == '(':
		s.push(frame{kind: openerKind(c), own: 1}, s.i)
		s.i++
		s.operand = false
	case c == '}' || c == ']' || c == ')':
		s.close(c)
		s.i++
		s.operand = true
	case c == '!' && s.peek(1) != '=':
		s.unary()
	case c == '-' && !s.operand:
		s.unary()
	case c == '?':
		s.endOperands()
		s.top().cond++
		s.deeper(1, s.i)
		s.i++
		s.operand = false
	case c == ',' || (c == '=' && s.peek(1) != '=' && s.peek(1) != '>'):
		s.endItem()
		s.i++
		s.operand = false
	case isDigit(c):
		s.number()
		s.operand = true
	case isIdentStart(c):
		for s.i < len(s.src) && isIdentByte(s.src[s.i]) {
			s.i++
		}
		s.operand = true
	default:
		// Any other operator (binary, the : of a conditional or an
		// object, the => of a for) ends pending unary operands.
		s.endOperands()
		s.i++
		s.operand = false
	}
}

// unary counts a ! or - operator waiting for its operand.
func (s *nestingScan) unary() {
	s.top().unary++
	s.deeper(1, s.i)
	s.i++
	s.operand = false
}

// close handles a closing bracket: it ends the matching frame. A closer
// that matches nothing is a syntax error the parser reports; it is
// skipped.
func (s *nestingScan) close(c byte) {
	want := openerKind(c)
	k := s.top().kind
	if k == want || (c == '}' && k == frameInterp) {
		s.pop()
	}
}

// openerKind is the kind of frame that a bracket, opening or closing,
// belongs to.
func openerKind(c byte) frameKind {
	switch c {
	case '{', '}':
		return frameBrace
	case '[', ']':
		return frameBracket
	}
	return frameParen
}

// heredoc starts a heredoc at s.i ("<<" or "<<-", a name, a newline) and
// reports whether there is one.
func (s *nestingScan) heredoc() bool {
	j := s.i + 2
	if j < len(s.src) && s.src[j] == '-' {
		j++
	}
	start := j
	if j >= len(s.src) || !isIdentStart(s.src[j]) {
		return false
	}
	for j < len(s.src) && isIdentByte(s.src[j]) {
		j++
	}
	marker := s.src[start:j]
	if j < len(s.src) && s.src[j] == '\r' {
		j++
	}
	if j >= len(s.src) || s.src[j] != '\n' {
		return false
	}
	s.push(frame{kind: frameHeredoc, marker: marker}, s.i)
	s.i = j + 1
	s.newline()
	return true
}

// template scans a stretch of template text up to the next construct:
// an interpolation or directive, the end of the template, or a line end.
func (s *nestingScan) template() {
	f := s.top()
	if f.kind == frameHeredoc && s.startOfLine {
		s.startOfLine = false
		end := bytes.IndexByte(s.src[s.i:], '\n')
		if end < 0 {
			end = len(s.src) - s.i
		}
		if bytes.Equal(bytes.TrimSpace(s.src[s.i:s.i+end]), f.marker) {
			s.pop()
			s.i += end
			s.operand = true
			return
		}
	}
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\n':
			s.i++
			s.newline()
			if f.kind == frameQuote {
				// An unterminated string; the parser reports it.
				s.pop()
				s.operand = true
			}
			return
		case c == '\\' && f.kind != frameHeredoc:
			s.i += 2
			if s.i > len(s.src) {
				s.i = len(s.src)
			}
		case c == '"' && f.kind == frameQuote:
			s.pop()
			s.i++
			s.operand = true
			return
		case (c == '$' || c == '%') && s.peek(1) == c && s.peek(2) == '{':
			s.i += 3 // $${ and %%{ are literal text
		case c == '$' && s.peek(1) == '{':
			s.push(frame{kind: frameInterp, own: 1}, s.i)
			s.i += 2
			s.operand = false
			return
		case c == '%' && s.peek(1) == '{':
			s.directive(f)
			return
		default:
			s.i++
		}
	}
}

// directive starts a %{ ... } at s.i in template frame f; an if or a for
// opens a level of f that its endif or endfor closes.
func (s *nestingScan) directive(f *frame) {
	at := s.i
	j := s.i + 2
	for j < len(s.src) && (s.src[j] == '~' || s.src[j] == ' ' || s.src[j] == '\t') {
		j++
	}
	k := j
	for k < len(s.src) && isIdentByte(s.src[k]) {
		k++
	}
	switch string(s.src[j:k]) {
	case "if", "for":
		f.directives++
		s.deeper(1, at)
	case "endif", "endfor":
		if f.directives > 0 {
			f.directives--
			s.depth--
		}
	}
	s.push(frame{kind: frameInterp, own: 1}, at)
	s.i += 2
	s.operand = false
}

func (s *nestingScan) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
}

func (s *nestingScan) skipBlockComment() {
	s.i += 2
	for s.i < len(s.src) {
		if s.src[s.i] == '*' && s.peek(1) == '/' {
			s.i += 2
			return
		}
		if s.src[s.i] == '\n' {
			s.i++
			s.newline()
			continue
		}
		s.i++
	}
}

// number skips a number literal, whose exponent may hold a - that is not
// an operator.
func (s *nestingScan) number() {
	digits := func() {
		for s.i < len(s.src) && isDigit(s.src[s.i]) {
			s.i++
		}
	}
	digits()
	if s.peek(0) == '.' && isDigit(s.peek(1)) {
		s.i++
		digits()
	}
	if c := s.peek(0); c == 'e' || c == 'E' {
		j := 1
		if c := s.peek(1); c == '+' || c == '-' {
			j = 2
		}
		if isDigit(s.peek(j)) {
			s.i += j
			digits()
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentStart reports whether c may start a name; bytes of non-ASCII
// characters count as letters.
func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c >= utf8.RuneSelf
}

func isIdentByte(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '-' }

// jsonNesting scans HCL's JSON syntax: the nesting of arrays and objects,
// and in each string that holds a template, the template's own nesting
// (the JSON decoder parses such strings as templates when it evaluates
// them). A template too deep is placed at its string's opening quote.
func jsonNesting(src []byte, limit int) (hcl.Pos, bool) {
	s := &nestingScan{src: src, limit: limit, line: 1}
	for s.i < len(src) && !s.overSet {
		switch c := src[s.i]; c {
		case '\n':
			s.i++
			s.newline()
		case '[', '{':
			s.deeper(1, s.i)
			s.i++
		case ']', '}':
			if s.depth > 0 {
				s.depth--
			}
			s.i++
		case '"':
			s.jsonString()
		default:
			s.i++
		}
	}
	return s.over, s.overSet
}

// jsonString skips the JSON string at s.i, scanning its template if it
// has one.
func (s *nestingScan) jsonString() {
	start := s.i
	j := s.i + 1
	for j < len(s.src) && s.src[j] != '"' && s.src[j] != '\n' {
		if s.src[j] == '\\' {
			j++
		}
		j++
	}
	end := min(j+1, len(s.src))
	raw := s.src[start:end]
	s.i = end
	if !bytes.Contains(raw, []byte("${")) && !bytes.Contains(raw, []byte("%{")) {
		return
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return // the parser reports the malformed string
	}
	if _, deep := templateNesting([]byte(text), s.limit-s.depth); deep && !s.overSet {
		s.over, s.overSet = s.pos(start), true
	}
}
