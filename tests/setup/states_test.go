package setup

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/leverlink/leverlink/shared/connection"
)

// TestStatesShown: a link to a closed posting says "Posting closed"; a
// connection whose perform-as user is inactive (or suspended), or whose
// tokens need a new consent, says so and offers Reconnect (an inactive
// perform-as user also offers choosing another: TestPerformAsRepair).
func TestStatesShown(t *testing.T) {
	s := newStack(t)
	ctx := browser(t)
	if loc := s.Connect(company, map[string]any{"returnUrl": s.Vendor + "/settings/ats", "environment": "sandbox"}); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: %v", loc)
	}
	if code := s.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	if code := s.Do("PUT", "/v1/companies/"+company+"/links/pos-data", map[string]string{"postingId": s.Postings["Legacy Support Engineer"]}, nil); code != 200 {
		t.Fatalf("link to the closed posting: %d", code)
	}
	s.run(t, ctx, "closed", chromedp.Navigate(s.session(t)), waitText("#conn-state", "Connected to Lever (sandbox)."),
		waitText("#pos-2 .pos-flag", "Posting closed"), waitText("#pos-2 .pos-link", "[Closed] Legacy Support Engineer"))
	s.screenshot(t, ctx, "posting-closed")

	for _, tt := range []struct {
		status    connection.Status
		want, btn string
	}{
		{"perform_as_inactive", "Perform-as user inactive: choose an active Lever user.", "Reconnect Lever instead"},
		{"suspended", "Perform-as user inactive: reconnect.", "Reconnect Lever"},
		{connection.ReauthRequired, "Lever needs to be connected again.", "Reconnect Lever"},
		{connection.NotConnected, "Lever not connected.", "Connect Lever"},
	} {
		s.settings(t, func(c *connection.Connection) { c.Status = tt.status })
		s.run(t, ctx, string(tt.status), chromedp.Reload(), waitText("#conn-state", tt.want), waitText("#btn-connect", tt.btn))
		s.screenshot(t, ctx, string(tt.status))
		if got := get(t, ctx, "environment kept", chromedp.Evaluate[string](`document.querySelector('input[name=environment]:checked').value`)); tt.status != connection.NotConnected && got != "sandbox" {
			t.Errorf("%s: reconnect environment %q, want the company's sandbox", tt.status, got)
		}
		if got := get(t, ctx, "edit disabled", chromedp.Evaluate[bool](`document.querySelector('#pos-0 .btn-edit').disabled`)); !got {
			t.Errorf("%s: links can be edited while Lever is not usable", tt.status)
		}
	}
}
