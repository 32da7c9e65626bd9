package capture

import "github.com/streampipe/streampipe/pipeline"

// FilesKind is capture "files": JPEG images from disk.
var FilesKind = pipeline.Kind{
	Family:    pipeline.FamilyCapture,
	Name:      "files",
	Summary:   "Play a directory or glob of JPEG images at a fixed frame rate, looped or once.",
	Stability: pipeline.StabilityAlpha,
	Doc: `Plays JPEG images from disk as frames, without decoding them: all
*.jpg and *.jpeg files of a directory, or the files matching a glob, in
lexical order. Name the files with zero-padded numbers (0001.jpg, ...) to
play them in sequence. A file that is not a JPEG is skipped with a warning
and counted once as an invalid drop.

Images are read when first played and kept in memory up to 64MiB in all;
images beyond that are read again each time they play.

    capture "files" {
      path = "frames/*.jpg"
      fps  = 10
      loop = false
    }`,
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{
			Name: "path", Type: pipeline.TypePath, Required: true,
			Doc: `A directory (its *.jpg and *.jpeg files are played) or a glob such as ` +
				`"frames/*.jpg", relative to the configuration file. Finding no image ` +
				`fails the pipeline's start.`,
		},
		{
			Name: "fps", Type: pipeline.TypeNumber, Default: DefaultFPS, Range: fpsRange,
			Doc: `Frames per second at which the images are played. Default 30.`,
		},
		{
			Name: "loop", Type: pipeline.TypeBool, Default: true,
			Doc: `Play the images over and over (default true); with false the stream ` +
				`ends after the last image and the pipeline drains and stops.`,
		},
	}},
	New: newFilesStage,
}

// newFilesStage is FilesKind's factory.
func newFilesStage(c *pipeline.Config, env pipeline.Env) (any, error) {
	if err := checkRanges(c); err != nil {
		return nil, err
	}
	f, err := NewFiles(FilesOptions{
		Path: c.String("path"),
		FPS:  c.Float("fps"),
		Loop: c.Bool("loop"),
	}, env)
	if err != nil {
		return nil, configError(c, err)
	}
	return f, nil
}
