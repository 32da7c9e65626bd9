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
