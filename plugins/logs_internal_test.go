package plugins

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestLogSink(t *testing.T) {
	var buf bytes.Buffer
	sink := newLogSink(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug - 4})))
	input := strings.Join([]string{
		`{"@level":"warn","@message":"low light","@timestamp":"2026-01-02T03:04:05.000000Z","@module":"grayscale","lux":3}`,
		`{"@level":"trace","@message":"frame","@timestamp":"2026-01-02T03:04:05.000000Z"}`,
		`plain line`,
		`[ERROR] old style`,
		`panic: runtime error: index out of range`,
		`goroutine 1 [running]:`,
	}, "\n") + "\n"
	// Feed it in awkward pieces, as a pipe may.
	for i := 0; i < len(input); i += 7 {
		sink.Write([]byte(input[i:min(i+7, len(input))]))
	}

	for _, want := range []string{
		`level=WARN msg="low light" plugin.lux=3`,
		`level=DEBUG-4 msg=frame`,
		`level=INFO msg="plain line"`,
		`level=ERROR msg="[ERROR] old style"`,
		`level=ERROR msg="panic: runtime error: index out of range"`,
		`level=ERROR msg="goroutine 1 [running]:"`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
	if strings.Contains(buf.String(), "@module") || strings.Contains(buf.String(), "timestamp") {
		t.Errorf("hclog's own keys were passed on:\n%s", buf.String())
	}
	if tail := sink.Tail(); len(tail) != 6 || tail[4] != "panic: runtime error: index out of range" {
		t.Errorf("tail %q", tail)
	}
}

func TestLogSinkTailKeepsTheLastLines(t *testing.T) {
	sink := newLogSink(slog.New(slog.DiscardHandler))
	for i := 1; i <= tailLines+15; i++ {
		fmt.Fprintf(sink, "line %d\n", i)
	}
	fmt.Fprint(sink, "unterminated")
	tail := sink.Tail()
	if len(tail) != tailLines || tail[0] != "line 17" || tail[len(tail)-1] != "unterminated" {
		t.Errorf("tail has %d lines, from %q to %q", len(tail), tail[0], tail[len(tail)-1])
	}
}

func TestLogSinkCutsLongLines(t *testing.T) {
	var buf bytes.Buffer
	sink := newLogSink(slog.New(slog.NewTextHandler(&buf, nil)))
	long := "a" + strings.Repeat("é", 3000) // 6001 bytes, two per é
	fmt.Fprintf(sink, "%s\nshort\n", long)
	logged := buf.String()
	// The cut falls inside an é: the line ends before it.
	want := "a" + strings.Repeat("é", 2047) + " [line cut: 4095 of 6001 bytes]"
	if !strings.Contains(logged, want) || !strings.Contains(logged, "msg=short") {
		t.Errorf("log:\n%.300s...", logged)
	}
	if tail := sink.Tail(); len(tail) != 2 || len(tail[0]) > maxLineLen+3 {
		t.Errorf("tail of %d lines, the first of %d bytes", len(tail), len(tail[0]))
	}
}

func TestLogSinkKeepsThePanicLine(t *testing.T) {
	sink := newLogSink(slog.New(slog.DiscardHandler))
	fmt.Fprint(sink, "starting\npanic: index out of range [3] with length 3\n\ngoroutine 1 [running]:\n")
	fmt.Fprint(sink, "panic: a second one\n")
	if got := sink.PanicLine(); got != "panic: index out of range [3] with length 3" {
		t.Errorf("panic line %q", got)
	}
}

func TestLogSinkRateLimit(t *testing.T) {
	var buf bytes.Buffer
	sink := newLogSink(slog.New(slog.NewTextHandler(&buf, nil)))
	const n = 5000
	for i := range n {
		fmt.Fprintf(sink, "line %d\n", i)
	}
	sink.Flush()
	logged := strings.Count(buf.String(), "msg=\"line ")
	var held int
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, msgLogLinesDropped) {
			var v int
			if _, err := fmt.Sscanf(l[strings.Index(l, "lines=")+len("lines="):], "%d", &v); err == nil {
				held += v
			}
		}
	}
	if logged < lineBurst || logged >= n || logged+held != n {
		t.Errorf("%d lines logged and %d held back of %d; want at least the burst of %d logged and the rest held",
			logged, held, n, lineBurst)
	}
	if tail := sink.Tail(); tail[len(tail)-1] != fmt.Sprintf("line %d", n-1) {
		t.Errorf("the tail ends with %q, want every line kept for crash reports", tail[len(tail)-1])
	}
}
