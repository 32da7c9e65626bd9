package hcl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/dustin/go-humanize"
	"github.com/hashicorp/hcl/v2"
)

// Limits on the sources the package parses: configuration files,
// -var-file files, -var and environment values, and what Format is given.
// Sources past them are refused with a diagnostic before they reach HCL's
// parsers, which would exhaust the process's memory or, on deep nesting,
// its stack (a fatal error that no recover catches).
const (
	// MaxFileSize is the largest source accepted, in bytes (4 MiB).
	// Configuration files are small; one this large is most likely the
	// wrong file.
	MaxFileSize = 4 << 20
	// MaxNesting is how deeply a source may nest brackets [ ], braces
	// { } (blocks and objects), parentheses, template interpolations ${ }
	// and directives %{ if } and %{ for }, unary operators such as !!x,
	// and chained conditionals a ? b : c ? ..., one inside the other.
	// Real configurations stay below 20; brackets and braces inside
	// strings and comments do not count.
	MaxNesting = 256
)

// readSource reads the file at path, up to MaxFileSize bytes. what names
// the file for people, such as "configuration file", and summary is the
// diagnostic's summary when it cannot be read.
func readSource(path, what, summary string) ([]byte, hcl.Diagnostics) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unreadable(path, what, summary, err)
	}
	defer f.Close()
	// One byte more than the limit tells a file at the limit from a
	// larger one, without reading all of, say, /dev/zero.
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, unreadable(path, what, summary, err)
	}
	return src, checkSource(path, what, what+" "+path, src, strings.HasSuffix(path, ".json"))
}

// unreadable reports a file that cannot be read, with the error of the
// operating system and what to do about it. The diagnostic is placed at
// the start of the file, so that reports name it.
func unreadable(path, what, summary string, err error) hcl.Diagnostics {
	var fix string
	switch {
	case path == "-" && errors.Is(err, fs.ErrNotExist):
		fix = fmt.Sprintf("Reading a %s from standard input is not supported; save it to a "+
			"file and give that file's path.", what)
	case errors.Is(err, fs.ErrNotExist):
		fix = "Check the path; a relative path is relative to the current directory."
	case errors.Is(err, syscall.EISDIR):
		fix = fmt.Sprintf("Give the path of a %s, not of a directory.", what)
		if found, _ := filepath.Glob(filepath.Join(path, "*.hcl")); len(found) > 0 {
			fix = fmt.Sprintf("Give the path of a %s, not of a directory, such as %s.",
				what, found[0])
		}
	case errors.Is(err, fs.ErrPermission):
		fix = "Check the file's permissions, or run streampipe as a user that may read it."
	default:
		fix = "Check the path, and that the file can be read."
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf("The %s %s cannot be read: %v. %s", what, path, err, fix),
		Subject:  fileStart(path).Ptr(),
	}}
}

// fileStart is the empty range at the start of a file.
func fileStart(filename string) hcl.Range {
	p := hcl.Pos{Line: 1, Column: 1, Byte: 0}
	return hcl.Range{Filename: filename, Start: p, End: p}
}

// checkSource refuses a source larger than MaxFileSize or nested deeper
// than MaxNesting, so that it never reaches HCL's parsers. filename places
// the diagnostic; what names the kind of source for the summary
// ("configuration file", "value") and desc the source itself for the
// detail ("configuration file city.hcl"); json selects HCL's JSON syntax.
func checkSource(filename, what, desc string, src []byte, json bool) hcl.Diagnostics {
	if len(src) > MaxFileSize {
		size := humanize.IBytes(uint64(len(src)))
		if len(src) == MaxFileSize+1 {
			size = "larger than that" // readSource stops reading there
		}
		fix := "Give a shorter value."
		if strings.HasSuffix(what, "file") {
			fix = "Configuration is small, so this is most likely not the intended file: " +
				"check the name."
		}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  upperFirst(what) + " too large",
			Detail: fmt.Sprintf("streampipe reads sources of at most %s, and the %s is %s. %s",
				humanize.IBytes(MaxFileSize), desc, size, fix),
			Subject: fileStart(filename).Ptr(),
		}}
	}

	// HCL is UTF-8 text. A binary file given by mistake (a video, an
	// archive) would otherwise come back as thousands of "Invalid
	// character" errors.
	if !utf8.Valid(src) {
		at := firstInvalidUTF8(src)
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  upperFirst(what) + " is not text",
			Detail: fmt.Sprintf("The %s is not UTF-8 text: the bytes at line %d, column %d are not "+
				"a character. It is most likely not the intended file (a video or a binary?): check "+
				"the name, or save the file as UTF-8.", desc, at.Line, at.Column),
			Subject: &hcl.Range{Filename: filename, Start: at,
				End: hcl.Pos{Line: at.Line, Column: at.Column + 1, Byte: at.Byte + 1}},
		}}
	}

	scan := nativeNesting
	if json {
		scan = jsonNesting
	}
	at, deep := scan(src, MaxNesting)
	if !deep {
		return nil
	}
	end := at
	if at.Byte < len(src) {
		end = hcl.Pos{Line: at.Line, Column: at.Column + 1, Byte: at.Byte + 1}
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Nesting too deep",
		Detail: fmt.Sprintf("The %s nests more than %d levels deep at line %d, column %d "+
			"(counting brackets, braces, parentheses, template interpolations and directives, "+
			"unary operators and chained conditionals, one inside the other). streampipe "+
			"refuses such input rather than risk its stack; no real configuration needs it. "+
			"Flatten the expression there.",
			desc, MaxNesting, at.Line, at.Column),
		Subject: &hcl.Range{Filename: filename, Start: at, End: end},
	}}
}

// firstInvalidUTF8 returns the position of the first byte of src that does
// not start a valid UTF-8 character.
func firstInvalidUTF8(src []byte) hcl.Pos {
	pos := hcl.Pos{Line: 1, Column: 1}
	for len(src) > 0 {
		r, n := utf8.DecodeRune(src)
		if r == utf8.RuneError && n <= 1 {
			return pos
		}
		if r == '\n' {
			pos.Line, pos.Column = pos.Line+1, 1
		} else {
			pos.Column++
		}
		pos.Byte += n
		src = src[n:]
	}
	return pos
}

// upperFirst capitalises the first letter of a phrase that starts a
// summary.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
