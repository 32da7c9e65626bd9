package quality

import (
	"fmt"
	"math"

	"github.com/streampipe/streampipe/pipeline"
)

// Limits of a tier's settings.
const (
	MaxFPS = 240
	// DefaultJPEGQuality is the quality of a tier that sets a scale but no
	// jpeg_quality.
	DefaultJPEGQuality = 75
)

// Tier is one quality tier.
type Tier struct {
	// Name is how clients ask for the tier; unique within the stage.
	Name string
	// FPS is the tier's frame rate, greater than 0 and at most the
	// capture's.
	FPS float64
	// Scale multiplies the width and height, in (0,1]; 0 means 1.
	Scale float64
	// JPEGQuality, 1 to 100, re-encodes the tier's frames at that quality;
	// 0 means unset: DefaultJPEGQuality when Scale < 1, otherwise frames
	// pass through as captured.
	JPEGQuality int
}

// DefaultTiers returns the tiers used when none are declared: high 30 fps,
// medium 20 and low 10, frame rate only. The stage clamps each to the
// capture's rate. The slice is new on each call.
func DefaultTiers() []Tier {
	return []Tier{
		{Name: "high", FPS: 30, Scale: 1},
		{Name: "medium", FPS: 20, Scale: 1},
		{Name: "low", FPS: 10, Scale: 1},
	}
}

// reencodes reports whether the tier's frames are re-encoded.
func (t Tier) reencodes() bool { return t.Scale < 1 || t.JPEGQuality != 0 }

// info returns the tier's public description, with the quality it
// actually encodes at.
func (t Tier) info() pipeline.TierInfo {
	ti := pipeline.TierInfo{Name: t.Name, FPS: t.FPS, Scale: t.Scale, JPEGQuality: t.JPEGQuality}
	if t.reencodes() && ti.JPEGQuality == 0 {
		ti.JPEGQuality = DefaultJPEGQuality
	}
	return ti
}

// check validates the tier against the capture rate captureFPS.
func (t Tier) check(captureFPS float64) error {
	switch {
	case t.Name == "":
		return fmt.Errorf("tier with no name")
	case !(t.FPS > 0 && t.FPS <= MaxFPS):
		return fmt.Errorf("tier %q: fps %g: must be greater than 0 and at most %d", t.Name, t.FPS, MaxFPS)
	case t.FPS > captureFPS:
		return fmt.Errorf("tier %q: fps %g is faster than the capture's %g", t.Name, t.FPS, captureFPS)
	case !(t.Scale > 0 && t.Scale <= 1):
		return fmt.Errorf("tier %q: scale %g: must be greater than 0 and at most 1", t.Name, t.Scale)
	case t.JPEGQuality < 0 || t.JPEGQuality > 100:
		return fmt.Errorf("tier %q: jpeg_quality %d: must be between 1 and 100", t.Name, t.JPEGQuality)
	}
	return nil
}

// scaledSize returns the size of a w x h picture scaled by s: each side is
// rounded to the nearest pixel, halves away from zero (720x405 at 0.5 is
// 360x203), and never below one pixel.
func scaledSize(w, h int, s float64) (int, int) {
	sw := max(1, int(math.Round(float64(w)*s)))
	sh := max(1, int(math.Round(float64(h)*s)))
	return sw, sh
}
