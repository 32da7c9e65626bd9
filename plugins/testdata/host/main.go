// Command host is a minimal streampipe host for tests of process hygiene:
// it starts the plugin stage given as its argument, prints the plugin's
// process id, and waits. On SIGTERM or SIGINT it closes the stage and
// exits 0; killed with SIGKILL it runs no cleanup at all.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "host:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: host PLUGIN")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	defer plugins.CleanupAll()

	kind, err := plugins.Kind(ctx, plugins.Decl{Name: "p", Command: []string{os.Args[1]}}, plugins.Options{})
	if err != nil {
		return err
	}
	st, err := kind.New(pipeline.NewConfig(kind.Spec), pipeline.Env{Pipeline: "host", Stage: "p"})
	if err != nil {
		return err
	}
	stage := st.(*plugins.Stage)
	if err := stage.Start(ctx); err != nil {
		return err
	}
	fmt.Printf("pid %d\n", stage.PluginStats().PID)
	<-ctx.Done()
	return stage.Close(context.Background())
}
