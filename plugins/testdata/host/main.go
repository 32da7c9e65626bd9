// Command host is a minimal streampipe host for tests of process hygiene:
// it starts the plugin stage whose command is given as its arguments,
// prints the plugin's process id, and waits. On SIGTERM or SIGINT it
// closes the stage and exits 0; killed with SIGKILL it runs no cleanup at
// all.
//
//	host [-set name=value]... PROGRAM [ARG...]
//
// -set gives the stage a string setting.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

type settings map[string]string

func (s settings) String() string { return fmt.Sprint(map[string]string(s)) }

func (s settings) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want name=value, got %q", v)
	}
	s[name] = value
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "host:", err)
		os.Exit(1)
	}
}

func run() error {
	set := settings{}
	flag.Var(set, "set", "a string setting of the stage, name=value (repeatable)")
	flag.Parse()
	if flag.NArg() == 0 {
		return fmt.Errorf("usage: host [-set name=value]... PROGRAM [ARG...]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	defer plugins.CleanupAll()

	kind, err := plugins.Kind(ctx, plugins.Decl{Name: "p", Command: flag.Args()}, plugins.Options{})
	if err != nil {
		return err
	}
	c := pipeline.NewConfig(kind.Spec)
	for name, value := range set {
		c.Set(name, value, pipeline.Range{})
	}
	st, err := kind.New(c, pipeline.Env{Pipeline: "host", Stage: "p"})
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
