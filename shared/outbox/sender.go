package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/event"
)

// EventIDHeader repeats the event id on every delivery, so a receiver can
// drop a redelivery before parsing the body.
const EventIDHeader = "Leverlink-Event-Id"

// HTTPSender posts events to the vendor's endpoint, signed with the
// Leverlink-Signature scheme of inbound events (event.Sign). Safe for
// concurrent use.
type HTTPSender struct {
	URL    string
	Secret string
	Client *http.Client // a 10s-timeout client when nil
	Now    func() time.Time
}

var defaultClient = &http.Client{Timeout: 10 * time.Second}

// Send posts ev; any answer other than 2xx is an error naming the status.
func (s *HTTPSender) Send(ctx context.Context, ev Event) error {
	body, err := ev.Body()
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "leverlink-events/1")
	req.Header.Set(event.SignatureHeader, event.Sign(s.Secret, now(), body))
	req.Header.Set(EventIDHeader, ev.ID)
	c := s.Client
	if c == nil {
		c = defaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return errors.New("timeout")
		}
		return errors.New("connection failed")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Printer is the local receiver of `make run` when no VendorEventsUrl is
// set: it writes each event it would send, one JSON line prefixed with
// "outbound event ", and accepts it. Safe for concurrent use.
type Printer struct {
	W  io.Writer // os.Stdout when nil
	mu sync.Mutex
}

// Send prints ev.
func (p *Printer) Send(_ context.Context, ev Event) error {
	body, err := ev.Body()
	if err != nil {
		return err
	}
	w := p.W
	if w == nil {
		w = os.Stdout
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err = fmt.Fprintf(w, "outbound event %s\n", body)
	return err
}
