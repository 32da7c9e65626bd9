package capture

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
)

// helperEnv marks the test binary re-executed as a streampipe stand-in.
const helperEnv = "STREAMPIPE_CAPTURE_HELPER"

// TestExecHelperProcess is not a test: run by TestExecParentKilled in a
// process of its own, it starts an exec capture whose command prints its
// pid, passes the pid on, and runs until it is killed.
func TestExecHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestExecParentKilled")
	}
	e, err := NewExec(ExecOptions{Command: []string{"sh", "-c", `echo "$$" >&2; exec sleep 300`}}, pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	done := runSource(context.Background(), e, &output{})
	fmt.Println(waitStderrPID(t, e))
	<-done
}

// TestExecParentKilled checks that the command dies with streampipe even
// when streampipe is killed and cannot stop it.
func TestExecParentKilled(t *testing.T) {
	testenv.Program(t, "sh")
	testenv.Program(t, "sleep")
	helper := exec.Command(os.Args[0], "-test.run=^TestExecHelperProcess$", "-test.v")
	helper.Env = append(os.Environ(), helperEnv+"=1")
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Process.Kill()

	// The helper prints test chatter and, on a line of its own, the pid.
	pid := 0
	sc := bufio.NewScanner(stdout)
	for pid == 0 && sc.Scan() {
		pid, _ = strconv.Atoi(strings.TrimSpace(sc.Text()))
	}
	if pid == 0 {
		t.Fatalf("the helper printed no pid: %v", sc.Err())
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // should the test fail
	if !processAlive(pid) {
		t.Fatalf("command %d is not running", pid)
	}

	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	waitGone(t, pid)
}
