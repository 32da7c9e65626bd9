package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// examplePlugins are the programs `make plugins` builds, by binary name.
var examplePlugins = []string{"grayscale", "overlay"}

var (
	pluginsOnce sync.Once
	pluginsErr  error
)

// buildExamplePlugins runs the go build commands of `make plugins` once,
// but into a directory next to the streampipe binary (removed with it by
// TestMain), and returns that directory; examples/plugins.hcl finds them
// there with -var plugin_dir=DIR. The plugin schema cache is pointed at an
// empty directory too, so each test describes its plugins afresh.
func buildExamplePlugins(t *testing.T) string {
	t.Helper()
	goBin := testenv.Program(t, "go")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := filepath.Join(filepath.Dir(binary), "plugins")
	pluginsOnce.Do(func() {
		for _, name := range examplePlugins {
			cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, name), "./examples/plugins/"+name)
			cmd.Dir = repoPath()
			if out, err := cmd.CombinedOutput(); err != nil {
				pluginsErr = fmt.Errorf("go build ./examples/plugins/%s: %w\n%s", name, err, out)
				return
			}
		}
	})
	if pluginsErr != nil {
		t.Fatal(pluginsErr)
	}
	return dir
}

// startPluginExample runs examples/plugins.hcl with the plugins in dir
// and waits until the sink listens and both plugins run.
func startPluginExample(t *testing.T, dir string) *server {
	t.Helper()
	testenv.Program(t, "ffmpeg")
	addr := freeAddr(t)
	srv := startServer(t, addr, "run", repoPath("examples", "plugins.hcl"),
		"-var", "listen="+addr, "-var", "plugin_dir="+dir)
	for _, name := range examplePlugins {
		testenv.WaitProcesses(t, filepath.Join(dir, name), 30*time.Second, func(n int) bool { return n == 1 })
	}
	return srv
}

func TestPluginValidate(t *testing.T) {
	dir := buildExamplePlugins(t)
	conf := filepath.Join(t.TempDir(), "pipeline.hcl")
	src := fmt.Sprintf(`plugin "grayscale" {
  command = [%q]
}

pipeline "p" {
  capture "synthetic" {}
  stage "grayscale" "mono" {
    strenght = 0.8
    quality  = 101
  }
  sink "discard" {}
}
`, filepath.Join(dir, "grayscale"))
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := runCLI(t, "", "validate", conf)
	if code != 1 || !strings.Contains(out, conf+": 2 error(s)") {
		t.Errorf("validate: exit %d, stdout %q; want 1 and two errors", code, out)
	}
	for _, want := range []string{
		"Error: Unsupported argument", conf + ":8:5", `Did you mean "strength"?`,
		"Error: Value out of range", conf + ":9:16", "between 1 and 100",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate's diagnostics lack %q:\n%s", want, errOut)
		}
	}

	out, _, code = runCLI(t, "", "validate", "-json", conf)
	var report struct {
		Valid       bool `json:"valid"`
		Diagnostics []struct {
			Summary, File string
			Line, Column  int
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("validate -json printed no JSON: %v\n%s", err, out)
	}
	if code != 1 || report.Valid || len(report.Diagnostics) != 2 {
		t.Fatalf("validate -json: exit %d, report %s", code, out)
	}
	for i, want := range []struct {
		summary      string
		line, column int
	}{{"Unsupported argument", 8, 5}, {"Value out of range", 9, 16}} {
		d := report.Diagnostics[i]
		if d.Summary != want.summary || d.File != conf || d.Line != want.line || d.Column != want.column {
			t.Errorf("diagnostic %d = %+v, want %q at line %d column %d",
				i, d, want.summary, want.line, want.column)
		}
	}

	// The example file is valid once its plugins are built.
	if out, errOut, code := runCLI(t, "", "validate", repoPath("examples", "plugins.hcl"),
		"-var", "plugin_dir="+dir); code != 0 {
		t.Errorf("validate examples/plugins.hcl: exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range examplePlugins {
		testenv.WaitProcesses(t, filepath.Join(dir, name), 10*time.Second, func(n int) bool { return n == 0 })
	}
}

func TestPluginStagesListsSettings(t *testing.T) {
	dir := buildExamplePlugins(t)
	out, errOut, code := runCLI(t, "", "stages", repoPath("examples", "plugins.hcl"),
		"-var", "plugin_dir="+dir)
	if code != 0 {
		t.Fatalf("stages: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		`stage "grayscale" "NAME"  [beta]  provided by plugin grayscale`,
		"    strength  number   default 1, between 0 and 1\n",
		"    quality   integer  default 85, between 1 and 100\n",
		`stage "overlay" "NAME"  [beta]  provided by plugin overlay`,
		`    position     string   default "top-left", one of "top-left", "top-right", ` +
			`"bottom-left" or "bottom-right"`,
		"    time_format  string   default \"15:04:05.000\"\n",
		`capture "exec"`, `sink "websocket"`, // and the built-in kinds
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stages lacks %q", want)
		}
	}
}

// TestPluginPipeline runs examples/plugins.hcl with the example plugins
// and real ffmpeg: a client of the high tier gets frames that are grey
// and carry the overlay's sequence number and capture time; SIGTERM ends
// the process with status 0 and no plugin left.
func TestPluginPipeline(t *testing.T) {
	dir := buildExamplePlugins(t)
	srv := startPluginExample(t, dir)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := wire.Dial(ctx, "ws://"+srv.addr+"/stream", "high")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if c.Hello.Pipeline != "city" || c.Hello.Quality != "high" {
		t.Fatalf("hello %+v", c.Hello)
	}

	checked := 0
	for checked < 20 {
		b, err := c.NextBatch(ctx)
		if err != nil {
			t.Fatalf("after %d frames: %v", checked, err)
		}
		for _, f := range b.Frames {
			checkPluginFrame(t, f)
			checked++
		}
	}

	code, _ := srv.signal(syscall.SIGTERM, 60*time.Second)
	if code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	for _, name := range examplePlugins {
		testenv.WaitProcesses(t, filepath.Join(dir, name), 10*time.Second, func(n int) bool { return n == 0 })
	}
}

// checkPluginFrame decodes f and checks that it is a single-channel grey
// JPEG with the overlay's text in its bottom-right corner.
func checkPluginFrame(t *testing.T, f wire.Frame) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(f.Payload))
	if err != nil {
		t.Fatalf("frame %d does not decode: %v", f.Seq, err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("frame %d decodes to %T, want the grayscale plugin's single-channel *image.Gray", f.Seq, img)
	}
	if b := g.Bounds(); b.Dx() != 720 || b.Dy() != 404 {
		t.Fatalf("frame %d is %v, want the clip's 720x404", f.Seq, b)
	}
	// A picture, not a blank: the top half's luma varies.
	lo, hi := uint8(255), uint8(0)
	for y := 0; y < 200; y += 4 {
		for x := 0; x < 720; x += 4 {
			v := g.GrayAt(x, y).Y
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi-lo < 64 {
		t.Errorf("frame %d: luma spans only %d..%d; the picture is gone", f.Seq, lo, hi)
	}

	want := fmt.Sprintf("#%d %s", f.Seq, f.Captured.Format("15:04:05.000"))
	if got := readOverlay(g, len(want)); got != want {
		t.Errorf("frame %d: the overlay reads %q, want %q", f.Seq, got, want)
	}
}

// The overlay of examples/plugins.hcl: basicfont's 7x13 face with 2 pixels
// of padding, scaled by 2, in the bottom-right corner.
const (
	overlayScale = 2
	overlayPad   = 2
)

// readOverlay reads back the n characters the overlay plugin wrote: it
// finds the label's place from its length, and matches each character
// cell against the font's glyphs.
func readOverlay(g *image.Gray, n int) string {
	face := basicfont.Face7x13
	gw, gh := face.Advance, face.Height
	w := (gw*n + 2*overlayPad) * overlayScale
	h := (gh + 2*overlayPad) * overlayScale
	x0 := g.Rect.Max.X - w + overlayPad*overlayScale
	y0 := g.Rect.Max.Y - h + overlayPad*overlayScale

	const alphabet = "0123456789#:. "
	glyphs := make([]*image.Gray, len(alphabet))
	for i, r := range alphabet {
		m := image.NewGray(image.Rect(0, 0, gw, gh))
		d := font.Drawer{Dst: m, Src: image.White, Face: face, Dot: fixed.P(0, face.Ascent)}
		d.DrawString(string(r))
		glyphs[i] = m
	}

	var out strings.Builder
	for i := range n {
		cx := x0 + i*gw*overlayScale
		best, bestCost := '?', -1
		for j, r := range alphabet {
			cost := 0
			for y := range gh {
				for x := range gw {
					// The mean of the scaled-up pixel, against the glyph's.
					sum := 0
					for dy := range overlayScale {
						for dx := range overlayScale {
							sum += int(g.GrayAt(cx+x*overlayScale+dx, y0+y*overlayScale+dy).Y)
						}
					}
					d := sum/(overlayScale*overlayScale) - int(glyphs[j].GrayAt(x, y).Y)
					cost += d * d
				}
			}
			if bestCost < 0 || cost < bestCost {
				best, bestCost = r, cost
			}
		}
		out.WriteRune(best)
	}
	return out.String()
}

// TestPluginsEndWithTheHost kills or interrupts a running streampipe and
// checks that no plugin process outlives it.
func TestPluginsEndWithTheHost(t *testing.T) {
	dir := buildExamplePlugins(t)
	for _, tc := range []struct {
		name    string
		signals []syscall.Signal
	}{
		{"SIGKILL", []syscall.Signal{syscall.SIGKILL}},
		// The second signal forces exit while the first drains.
		{"second SIGINT", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startPluginExample(t, dir)
			for _, sig := range tc.signals {
				if err := srv.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
					t.Fatalf("signal %v: %v", sig, err)
				}
			}
			select {
			case <-srv.exited:
			case <-time.After(60 * time.Second):
				t.Fatalf("streampipe still runs 60s after %v", tc.signals)
			}
			for _, name := range examplePlugins {
				testenv.WaitProcesses(t, filepath.Join(dir, name), 10*time.Second, func(n int) bool { return n == 0 })
			}
		})
	}
}

// TestPluginsSurviveAGroupSignal sends SIGTERM to streampipe's whole
// process group, as a terminal or a service manager does: the plugins, in
// groups of their own, must not receive it, so the host drains, stops them
// in order and exits 0 without reporting a plugin failure.
func TestPluginsSurviveAGroupSignal(t *testing.T) {
	dir := buildExamplePlugins(t)
	srv := startPluginExample(t, dir)
	// Wait until frames flow, so the plugins are configured and working.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	c, err := wire.Dial(ctx, "ws://"+srv.addr+"/stream", "high")
	if err == nil {
		_, err = c.NextBatch(ctx)
		c.CloseNow()
	}
	cancel()
	if err != nil {
		t.Fatalf("no frame from the running pipeline: %v", err)
	}
	if code, _ := srv.signalGroup(syscall.SIGTERM, 60*time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM to the group, want 0", code)
	}
	for _, line := range srv.lines() {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("error logged while stopping: %s", line)
		}
	}
	for _, name := range examplePlugins {
		testenv.WaitProcesses(t, filepath.Join(dir, name), 10*time.Second, func(n int) bool { return n == 0 })
	}
}

// TestPluginHangInCloseStopsCleanly runs a plugin whose Close never
// returns: SIGTERM must still end streampipe with status 0, the plugin
// killed and a warning logged, not "pipeline failed".
func TestPluginHangInCloseStopsCleanly(t *testing.T) {
	goBin := testenv.Program(t, "go")
	behave := filepath.Join(t.TempDir(), "behave")
	build := exec.Command(goBin, "build", "-o", behave, "./plugins/testdata/behave")
	build.Dir = repoPath()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build behave: %v\n%s", err, out)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	conf := filepath.Join(t.TempDir(), "pipeline.hcl")
	src := fmt.Sprintf(`plugin "behave" {
  command = [%q]
}

pipeline "p" {
  capture "synthetic" {
    fps = 30
  }
  stage "behave" "stuck" {
    close_hang = true
  }
  sink "discard" {}
}
`, behave)
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}

	srv := startServer(t, "", "run", conf)
	srv.waitLog("pipeline started", nil, 30*time.Second)
	testenv.WaitProcesses(t, behave, 30*time.Second, func(n int) bool { return n == 1 })
	if code, _ := srv.signal(syscall.SIGTERM, 60*time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	if _, ok := srv.findLog("plugin did not close cleanly and was stopped", map[string]any{"reason": "timeout"}); !ok {
		t.Error("no warning about the plugin's Close")
	}
	for _, line := range srv.lines() {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("error logged while stopping: %s", line)
		}
	}
	testenv.WaitNoProcess(t, behave)
}
