package alerting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// webhook POSTs the notification's JSON to a URL. An attempt fails on a
// network error, a timeout or a status other than 2xx; network errors,
// timeouts, 408, 429 and 5xx are tried again after a backoff that doubles
// each time, other statuses are not (repeating the same request would get
// the same answer).
type webhook struct {
	cfg    HookConfig
	client *http.Client
}

func newWebhook(cfg HookConfig) *webhook {
	return &webhook{cfg: cfg, client: &http.Client{
		// Redirects are not followed: a notification is not a page to
		// browse, and following would resend the body elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// statusError is a response other than 2xx.
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("webhook answered %d", e.code) }

func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.code == http.StatusRequestTimeout || se.code == http.StatusTooManyRequests || se.code >= 500
	}
	return true
}

func (w *webhook) deliver(ctx context.Context, n Notification) error {
	body, err := n.JSON()
	if err != nil {
		return fmt.Errorf("webhook: encode: %w", err)
	}
	delay := w.cfg.Backoff
	var last error
	for attempt := 0; attempt <= w.cfg.Retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("webhook: gave up after %d attempts: %w (last: %w)", attempt, ctx.Err(), last)
			case <-t.C:
			}
			delay = min(2*delay, maxBackoff)
		}
		last = w.post(ctx, body)
		if last == nil {
			return nil
		}
		if !retryable(last) || ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("webhook: %w", last)
}

// post makes one attempt.
func (w *webhook) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "streampipe-alerting")
	for k, v := range w.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	// Read a little of the body so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &statusError{code: resp.StatusCode}
	}
	return nil
}
