package capture

import "github.com/streampipe/streampipe/pipeline"

// ExecKind is capture "exec": frames from a command's MJPEG output.
var ExecKind = pipeline.Kind{
	Family: pipeline.FamilyCapture,
	Name:   "exec",
	Summary: "Run a command, such as ffmpeg, and split the MJPEG stream " +
		"it writes to stdout into frames.",
	Stability: pipeline.StabilityAlpha,
	Doc: `Runs a command and reads JPEG images written back to back on its
standard output, the format of ffmpeg's "-f mjpeg pipe:1". The splitter
parses JPEG markers, so images with EXIF thumbnails split correctly; bytes
between images are skipped and a cut-off image is counted as a truncated
drop, never passed on.

The command paces the frames (for a file, use ffmpeg's -re); fps only
tells later stages the nominal rate. When streampipe stops, the command's
whole process group gets SIGTERM, then SIGKILL after 3 seconds; on Linux
the command is also killed if streampipe itself dies.

    capture "exec" {
      command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
                 "-stream_loop", "-1", "-i", "city.mpg",
                 "-vf", "scale=640:-2", "-q:v", "5", "-f", "mjpeg", "pipe:1"]
      fps     = 25
    }`,
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{
			Name: "command", Type: pipeline.TypeStringList, Required: true,
			Doc: `The program and its arguments, run directly without a shell. A bare ` +
				`program name is looked up in PATH when the pipeline starts; a missing ` +
				`program fails the start.`,
		},
		{
			Name: "format", Type: pipeline.TypeString, Default: FormatMJPEG, OneOf: []string{FormatMJPEG},
			Doc: `Format of the command's output. Default "mjpeg" (JPEG images back to ` +
				`back), the only format so far.`,
		},
		{
			Name: "fps", Type: pipeline.TypeNumber, Default: DefaultFPS, Range: fpsRange,
			Doc: `Nominal frame rate of the command's output, used by quality tiers to ` +
				`decimate. Default 30. It does not pace anything: the command must ` +
				`(ffmpeg -re for files).`,
		},
		{
			Name: "dir", Type: pipeline.TypePath, Default: ".",
			Doc: `Working directory of the command, relative to the configuration file. ` +
				`Default "." (the configuration file's directory).`,
		},
		{
			Name: "on_exit", Type: pipeline.TypeString, Default: string(OnExitRestart),
			OneOf: []string{string(OnExitRestart), string(OnExitStop)},
			Doc: `What to do when the command exits. "restart" (default) starts it ` +
				`again after a backoff, logging its exit status and last stderr lines; ` +
				`"stop" ends the stream, cleanly after exit status 0 and as a pipeline ` +
				`failure quoting stderr otherwise.`,
		},
		{
			Name: "restart_backoff", Type: pipeline.TypeDuration,
			Default: DefaultRestartBackoff, Range: "(0,]",
			Doc: `First delay before restarting the command; it doubles on each ` +
				`restart up to max_backoff. Default "500ms".`,
		},
		{
			Name: "max_backoff", Type: pipeline.TypeDuration, Default: DefaultMaxBackoff, Range: "(0,]",
			Doc: `Longest delay between restarts; must be at least restart_backoff. A ` +
				`run lasting at least this long resets the delay to restart_backoff. ` +
				`Default "10s".`,
		},
		{
			Name: "max_frame_size", Type: pipeline.TypeSize, Default: int64(DefaultMaxFrameSize),
			Range: "[1024,1073741824]",
			Doc: `Largest frame accepted; larger ones are discarded and counted as ` +
				`invalid drops. The splitter holds up to this much memory (plus 64KiB). ` +
				`Default "16MiB", between 1KiB and 1GiB.`,
		},
		{
			Name: "stderr_lines", Type: pipeline.TypeInt, Default: DefaultStderrLines, Range: "[0,1000]",
			Doc: `How many of the command's last lines of standard error to keep and ` +
				`quote when it exits; 0 keeps none. Default 20.`,
		},
	}},
	New: newExecStage,
}

// newExecStage is ExecKind's factory.
func newExecStage(c *pipeline.Config, env pipeline.Env) (any, error) {
	if err := checkRanges(c); err != nil {
		return nil, err
	}
	opts := ExecOptions{
		Command:        c.Strings("command"),
		Format:         c.String("format"),
		FPS:            c.Float("fps"),
		Dir:            c.String("dir"),
		OnExit:         OnExit(c.String("on_exit")),
		RestartBackoff: c.Duration("restart_backoff"),
		MaxBackoff:     c.Duration("max_backoff"),
		MaxFrameSize:   c.Size("max_frame_size"),
		StderrLines:    c.Int("stderr_lines"),
	}
	// In the options 0 means the default; in the file it means none.
	if opts.StderrLines == 0 {
		opts.StderrLines = -1
	}
	e, err := NewExec(opts, env)
	if err != nil {
		return nil, configError(c, err)
	}
	return e, nil
}
