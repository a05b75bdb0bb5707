package setup

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leverlink/leverlink/shared/setup"
)

// TestSessionRefused: a forged link, an expired link and the bare page
// without a session are refused in the browser, and nothing of the company
// shows.
func TestSessionRefused(t *testing.T) {
	s := newStack(t)
	ctx := browser(t)
	good := s.session(t)
	tok := strings.TrimPrefix(good, s.Base+"/setup?s=")
	forged := s.Base + "/setup?s=" + url.QueryEscape(tok[:len(tok)-4]+"AAAA")

	past := time.Now().Add(-time.Minute)
	expiredTok, err := s.App.Setup.Signer.Sign(setup.Session{
		CompanyID: company, Positions: []setup.Position{{ID: "pos-backend", Title: "Senior Backend Developer"}},
		ReturnURL: s.Vendor + "/settings/ats", IssuedAt: past.Add(-time.Hour).Unix(), ExpiresAt: past.Unix(), Nonce: "n0",
	})
	if err != nil {
		t.Fatal(err)
	}
	expired := s.Base + "/setup?s=" + url.QueryEscape(expiredTok)

	for _, tt := range []struct{ name, url, want string }{
		{"forged", forged, "This setup link is not valid"},
		{"expired", expired, "This setup link is not valid"},
		{"no session", s.Base + "/setup", "This setup link cannot be used"},
	} {
		s.run(t, ctx, tt.name, chromedp.Navigate(tt.url), waitText("main", tt.want))
		s.screenshot(t, ctx, "refused-"+strings.ReplaceAll(tt.name, " ", "-"))
		body := get(t, ctx, tt.name+" body", chromedp.Text(chromedp.CSS("body")))
		if strings.Contains(body, "Senior Backend Developer") || strings.Contains(body, "Connected") {
			t.Errorf("%s: the refused page shows company data: %q", tt.name, body)
		}
	}
	// The good link still works after the refusals.
	s.run(t, ctx, "good", chromedp.Navigate(good), waitText("#conn-state", "Lever not connected."))
}

// TestFraming: the page works inside an iframe of an allowed origin (the
// vendor's) and is blocked inside an iframe of another origin.
func TestFraming(t *testing.T) {
	s := newStack(t)
	ctx := browser(t)

	inFrame := func(framer string) (string, error) {
		if err := chromedp.Do(ctx, chromedp.Navigate(framer+"/?src="+url.QueryEscape(s.session(t))),
			chromedp.WaitVisible(chromedp.CSS("iframe"))); err != nil {
			return "", err
		}
		c, cancel := context.WithTimeout(ctx, 8*time.Second)
		defer cancel()
		for {
			nodes, err := chromedp.Run(c, chromedp.Nodes(chromedp.CSS("iframe")))
			if err != nil {
				return "", err
			}
			got, err := chromedp.Run(c, chromedp.Poll[string](
				`(document.getElementById('conn-state') || {}).textContent || ''`,
				chromedp.WithPollingInFrame(nodes[0]), chromedp.WithPollingTimeout(2*time.Second)))
			if err == nil && got != "" {
				return got, nil
			}
			if c.Err() != nil {
				return "", c.Err()
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	got, err := inFrame(s.Vendor)
	s.screenshot(t, ctx, "iframe-allowed")
	if err != nil || got != "Lever not connected." {
		t.Errorf("in the vendor's iframe: %q, %v; want the page", got, err)
	}
	got, err = inFrame(s.Stranger)
	s.screenshot(t, ctx, "iframe-refused")
	if err == nil || got != "" {
		t.Errorf("in another origin's iframe: %q, %v; want the page blocked", got, err)
	}
}
