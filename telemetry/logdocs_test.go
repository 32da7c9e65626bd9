package telemetry_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/internal/testenv"
)

// modulePath is the module the scan resolves imports of.
const modulePath = "github.com/streampipe/streampipe"

// logMethods are the log/slog methods that log a line, with the index of
// their message argument.
var logMethods = map[string]int{
	"Debug": 0, "Info": 0, "Warn": 0, "Error": 0,
	"DebugContext": 1, "InfoContext": 1, "WarnContext": 1, "ErrorContext": 1,
	"Log": 2, "LogAttrs": 2,
}

// loggerName matches the expressions streampipe keeps its loggers in:
// log, s.log, a.logger, env.Logger, slog (the package's functions).
var loggerName = regexp.MustCompile(`(^|\.)(s?log|logger|Logger)$`)

// forwarded are the log calls whose message is not streampipe's: a
// plugin's own lines, passed on with the plugin's message. The docs
// describe them in prose. Keyed by file and message expression.
var forwarded = map[string]string{
	"plugins/logs.go msg": "a plugin's go-hclog line, with its message",
	"plugins/logs.go l":   "a plugin's plain stderr line, as the message",
}

// logMessage is one message the code logs: exact, or only a known
// prefix when the rest is computed (an address, a verb).
type logMessage struct {
	text   string
	prefix bool
	at     string // file:line
}

// scanLogMessages parses every non-test Go file of the repository, apart
// from examples and test data (plugins of their own, whose lines are
// forwarded), and returns the messages of its log calls.
func scanLogMessages(t *testing.T, root string) []logMessage {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string][]*ast.File{} // by package directory, relative to root
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "examples" ||
				name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") ||
			strings.HasSuffix(name, ".pb.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		files[filepath.ToSlash(rel)] = append(files[filepath.ToSlash(rel)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// String constants by package directory, for messages named by a
	// constant (telemetry.EventFramesDropped).
	consts := map[string]map[string]string{}
	for dir, pkgFiles := range files {
		consts[dir] = map[string]string{}
		for _, f := range pkgFiles {
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if s, ok := stringLit(vs.Values[i]); ok {
								consts[dir][n.Name] = s
							}
						}
					}
				}
			}
		}
	}

	var out []logMessage
	for dir, pkgFiles := range files {
		for _, f := range pkgFiles {
			imports := map[string]string{} // local name -> package directory
			for _, im := range f.Imports {
				p, _ := strconv.Unquote(im.Path.Value)
				if !strings.HasPrefix(p, modulePath+"/") {
					continue
				}
				local := path.Base(p)
				if im.Name != nil {
					local = im.Name.Name
				}
				imports[local] = strings.TrimPrefix(p, modulePath+"/")
			}
			file, _ := filepath.Rel(root, fset.Position(f.Pos()).Filename)
			file = filepath.ToSlash(file)

			// The message of a call, resolved within fn (for locals).
			var resolve func(e ast.Expr, fn *ast.FuncDecl) (string, bool, bool)
			resolve = func(e ast.Expr, fn *ast.FuncDecl) (text string, prefix, ok bool) {
				switch e := e.(type) {
				case *ast.BasicLit:
					s, ok := stringLit(e)
					return s, false, ok
				case *ast.ParenExpr:
					return resolve(e.X, fn)
				case *ast.BinaryExpr:
					if s, ok := stringLit(e); ok {
						return s, false, true
					}
					if e.Op != token.ADD {
						return "", false, false
					}
					left, _, ok := resolve(e.X, fn)
					return left, true, ok
				case *ast.SelectorExpr:
					if x, isIdent := e.X.(*ast.Ident); isIdent {
						if s, ok := consts[imports[x.Name]][e.Sel.Name]; ok && imports[x.Name] != "" {
							return s, false, true
						}
					}
				case *ast.Ident:
					if s, ok := consts[dir][e.Name]; ok {
						return s, false, true
					}
					// A local variable: the message is what its
					// definition starts with.
					var def ast.Expr
					if fn != nil {
						ast.Inspect(fn, func(n ast.Node) bool {
							as, ok := n.(*ast.AssignStmt)
							if !ok || def != nil || as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
								return def == nil
							}
							for i, l := range as.Lhs {
								if id, ok := l.(*ast.Ident); ok && id.Name == e.Name {
									def = as.Rhs[i]
								}
							}
							return def == nil
						})
					}
					if def != nil {
						text, _, ok := resolve(def, nil)
						return text, true, ok
					}
				}
				return "", false, false
			}

			for _, decl := range f.Decls {
				fn, _ := decl.(*ast.FuncDecl)
				ast.Inspect(decl, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					sel, ok := call.Fun.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					idx, ok := logMethods[sel.Sel.Name]
					if !ok || len(call.Args) <= idx || !loggerName.MatchString(exprText(sel.X)) {
						return true
					}
					at := file + ":" + strconv.Itoa(fset.Position(call.Pos()).Line)
					arg := call.Args[idx]
					if _, ok := forwarded[file+" "+exprText(arg)]; ok {
						return true
					}
					text, prefix, ok := resolve(arg, fn)
					if !ok {
						t.Errorf("%s: cannot tell the message of this log call (%s); log a constant message, "+
							"or list the call in forwarded with why", at, exprText(arg))
						return true
					}
					out = append(out, logMessage{text: text, prefix: prefix, at: at})
					return true
				})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// stringLit returns the value of a string literal, or of literals
// joined with +.
func stringLit(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		l, ok1 := stringLit(e.X)
		r, ok2 := stringLit(e.Y)
		return l + r, e.Op == token.ADD && ok1 && ok2
	case *ast.ParenExpr:
		return stringLit(e.X)
	}
	return "", false
}

// exprText renders identifiers and selectors ("s.log"); other
// expressions as "?".
func exprText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprText(e.X) + "." + e.Sel.Name
	}
	return "?"
}

// TestLoggingDocListsEveryMessage scans the source for every message
// passed to a logger and fails when docs/logging.md does not name it in
// backquotes (for a computed message, the constant part it starts with).
func TestLoggingDocListsEveryMessage(t *testing.T) {
	doc, err := os.ReadFile(testenv.Path(t, "docs", "logging.md"))
	if err != nil {
		t.Fatal(err)
	}
	msgs := scanLogMessages(t, testenv.RepoRoot(t))
	if len(msgs) < 50 {
		t.Fatalf("found only %d log calls; is the scan broken?", len(msgs))
	}
	for _, m := range msgs {
		want := "`" + m.text
		if !m.prefix {
			want += "`"
		}
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("%s logs %q, which docs/logging.md does not list", m.at, m.text)
		}
	}
}
