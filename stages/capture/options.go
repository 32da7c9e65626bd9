package capture

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Defaults shared by the capture kinds; a zero field of an options struct
// takes the matching default.
const (
	// DefaultFPS is the nominal frame rate of every capture kind.
	DefaultFPS = 30.0
	// MinFPS and MaxFPS bound the frame rate a capture accepts; below
	// MinFPS (a frame every 1000 s) quality tiers cannot represent rates.
	MinFPS = 0.001
	MaxFPS = 240.0
)

// fpsRange is the interval of every fps attribute, matching MaxFPS.
const fpsRange = "[0.001,240]"

// optionError is a problem with one option, named by its configuration
// attribute so that the factory can report it at its place in the file.
type optionError struct {
	attr, summary, detail string
}

func (e *optionError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.attr, e.summary, e.detail)
}

func badOption(attr, summary, detailFormat string, args ...any) error {
	return &optionError{attr: attr, summary: summary, detail: fmt.Sprintf(detailFormat, args...)}
}

// configError turns an error from an options check into one placed in the
// configuration file.
func configError(c *pipeline.Config, err error) error {
	var oe *optionError
	if errors.As(err, &oe) {
		return c.Errorf(oe.attr, oe.summary, "%s", oe.detail)
	}
	return err
}

// checkFPS checks a frame rate against fpsRange.
func checkFPS(fps float64) error {
	if !(fps >= MinFPS && fps <= MaxFPS) {
		return badOption("fps", "frame rate out of range",
			"fps is %g; give a rate between %g and %g frames per second", fps, MinFPS, MaxFPS)
	}
	return nil
}

// tools returns env's logger and reporter, standing in no-op ones for
// those left nil (as tests and embedders may).
func tools(env pipeline.Env) (*slog.Logger, pipeline.Reporter) {
	log, report := env.Logger, env.Report
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if report == nil {
		report = pipeline.NopReporter{}
	}
	return log, report
}

// describe returns the stream description every capture kind gives.
func describe(fps float64) pipeline.StreamInfo {
	return pipeline.StreamInfo{FPS: fps, ContentType: pipeline.ContentTypeJPEG}
}

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// checkRanges checks c's numbers, durations and sizes against their
// attributes' ranges. The configuration loader checks them too; the
// factories repeat it because in an options struct zero means the
// default, so an out-of-range zero would otherwise pass unnoticed.
func checkRanges(c *pipeline.Config) error {
	for _, a := range c.Spec.Attrs {
		if a.Range == "" {
			continue
		}
		iv, err := pipeline.ParseInterval(a.Range)
		if err != nil {
			return fmt.Errorf("attribute %s: %w", a.Name, err)
		}
		var v float64
		var unit func(float64) string
		switch x := c.Value(a.Name).(type) {
		case float64:
			v = x
		case int:
			v = float64(x)
		case int64:
			v = float64(x)
		case time.Duration:
			v, unit = x.Seconds(), pipeline.DurationString
		default:
			continue
		}
		if !iv.Contains(v) {
			return c.Errorf(a.Name, "value out of range", "%s is %v; it must be %s",
				a.Name, c.Value(a.Name), iv.Describe(unit))
		}
	}
	return nil
}
