package mjpeg

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
)

// TestMatchesFFmpegImages checks the splitter against ffmpeg itself: the
// frames split from ffmpeg's MJPEG stream must be byte for byte the JPEG
// files ffmpeg writes one by one with the same encoder settings.
func TestMatchesFFmpegImages(t *testing.T) {
	ffmpeg := testenv.Program(t, "ffmpeg")
	clip := testenv.Path(t, "testdata", "media", "city.mpg")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	encode := []string{"-hide_banner", "-loglevel", "error", "-nostdin",
		"-i", clip, "-t", "2", "-vf", "scale=320:-2", "-q:v", "5"}

	// Write the frames as files, then as one stream.
	cmd := exec.CommandContext(ctx, ffmpeg, append(encode, "-f", "image2", filepath.Join(dir, "%04d.jpg"))...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg image2: %v\n%s", err, out)
	}
	var stream, stderr bytes.Buffer
	cmd = exec.CommandContext(ctx, ffmpeg, append(encode, "-f", "mjpeg", "pipe:1")...)
	cmd.Stdout, cmd.Stderr = &stream, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg mjpeg: %v\n%s", err, stderr.Bytes())
	}

	for _, mode := range readModes {
		t.Run(mode.name, func(t *testing.T) {
			frames, st := splitAll(t, stream.Bytes(), mode, 0)
			if st.GarbageBytes != 0 || st.Truncated != 0 || st.Invalid != 0 || st.Oversized != 0 {
				t.Errorf("stats = %+v, want no anomalies", st)
			}
			// Two seconds of a 25 fps clip.
			if len(frames) != 50 {
				t.Errorf("split %d frames, want 50", len(frames))
			}
			for i, f := range frames {
				want, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%04d.jpg", i+1)))
				if err != nil {
					t.Fatalf("frame %d: %v", i+1, err)
				}
				if !bytes.Equal(f, want) {
					t.Errorf("frame %d: %d bytes differ from ffmpeg's %d-byte file", i+1, len(f), len(want))
				}
			}
			if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("%04d.jpg", len(frames)+1))); err == nil {
				t.Errorf("ffmpeg wrote more files than the %d frames split", len(frames))
			}
		})
	}
}
