package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts Debian's headless Chromium for the test and returns a tab
// context bounded by timeout. The browser is stopped when the test ends.
// It skips (or fails under CI) when chromium is not installed.
func Browser(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	chromium := Program(t, "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	// The flags keep Chromium off the network it cannot reach here and
	// away from the sandbox, which needs privileges tests do not have.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancel()
	})
	return tab
}
