package setup

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestPerformAsRepair: when the Lever user leverlink acts as is
// deactivated, the page offers choosing another user (no reconnect): an
// unknown email is refused and changes nothing, an active user's email
// repairs the connection, which the page and the API then show connected
// as that user.
func TestPerformAsRepair(t *testing.T) {
	s := newStack(t)
	ctx := browser(t)
	if loc := s.Connect(company, map[string]any{"returnUrl": s.Vendor + "/settings/ats"}); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: %v", loc)
	}
	conn, err := s.App.Connections.Get(context.Background(), company)
	if err != nil {
		t.Fatal(err)
	}
	// Lever deactivates the user; the exporter's rule records it at the
	// first refused write.
	if !s.Acct.DeactivateUser(conn.PerformAsID) {
		t.Fatal("deactivate the perform-as user")
	}
	if err := s.App.Vault.MarkPerformAsInactive(context.Background(), company, conn.PerformAsID); err != nil {
		t.Fatal(err)
	}

	s.run(t, ctx, "open", chromedp.Navigate(s.session(t)),
		waitText("#conn-state", "Perform-as user inactive: choose an active Lever user."),
		waitText("#conn-detail", "("+conn.PerformAsEmail+") is no longer active in Lever"),
		chromedp.WaitVisible(chromedp.CSS("#perform-as-email")),
		waitText("#btn-connect", "Reconnect Lever instead"),
		waitText("#pos-0 .pos-link", "Choose an active Lever user above to change links."))
	s.screenshot(t, ctx, "perform-as-inactive")

	s.run(t, ctx, "unknown user", chromedp.SendKeys(chromedp.CSS("#perform-as-email"), "nobody@acme.example"),
		chromedp.Click(chromedp.CSS("#btn-perform-as")),
		waitText("#notice", "Not changed: no Lever user with this email (nobody@acme.example)."))
	if c, _ := s.App.Connections.Get(context.Background(), company); c.Status != connection.PerformAsInactive || c.PerformAsID != conn.PerformAsID {
		t.Fatalf("after a refused email: %s as %s, want perform_as_inactive as %s", c.Status, c.PerformAsID, conn.PerformAsID)
	}
	s.screenshot(t, ctx, "perform-as-refused")

	rec := s.Acct.AddUser(leverfake.User{Name: "Rec", Email: "rec@acme.example"})
	get(t, ctx, "clear the email", chromedp.Evaluate[bool](`(document.getElementById('perform-as-email').value = '') === ''`))
	s.run(t, ctx, "active user",
		chromedp.SendKeys(chromedp.CSS("#perform-as-email"), "rec@acme.example"),
		chromedp.Click(chromedp.CSS("#btn-perform-as")),
		waitText("#notice", "Leverlink now acts as rec@acme.example in Lever."),
		waitText("#conn-state", "Connected to Lever (production)."),
		waitText("#conn-detail", "Candidates are added in Lever as rec@acme.example."),
		chromedp.WaitNotVisible(chromedp.CSS("#conn-perform-as")))
	s.screenshot(t, ctx, "perform-as-repaired")

	var v connection.View
	if code := s.Do("GET", "/v1/companies/"+company+"/connection", nil, &v); code != 200 ||
		v.Status != connection.Connected || v.PerformAs == nil || v.PerformAs.ID != rec.ID || v.LastError != "" {
		t.Errorf("GET /connection after the repair: %d %+v, want connected as %s", code, v, rec.ID)
	}
}
