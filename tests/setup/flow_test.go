package setup

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestSetupPageFlow walks the page as a customer's Lever admin would:
// open the session link, connect through the fake Lever's consent, reload
// the postings, link two positions (the first with the keyboard only),
// unlink one, retry a failed export, and reconnect after Lever revoked the
// access.
func TestSetupPageFlow(t *testing.T) {
	s := newStack(t)
	ctx := browser(t)
	sessionURL := s.session(t)

	// 1. First load: the token moves into the cookie and leaves the URL.
	s.run(t, ctx, "open session", chromedp.Navigate(sessionURL), waitText("#conn-state", "Lever not connected."))
	loc := get(t, ctx, "location", chromedp.Location())
	if loc != s.Base+"/setup" {
		t.Errorf("address after the first load = %q, want the bare page", loc)
	}
	s.screenshot(t, ctx, "not-connected")

	// 2. Connect (production) through the fake Lever's consent; back on the page.
	s.run(t, ctx, "connect", chromedp.Click(chromedp.CSS("#btn-connect")),
		waitText("#conn-state", "Connected to Lever (production)."), waitText("#notice", "Lever is connected."))
	loc = get(t, ctx, "location", chromedp.Location())
	if loc != s.Base+"/setup" {
		t.Errorf("address after the Lever round trip = %q, want the bare page", loc)
	}
	s.screenshot(t, ctx, "connected")

	// 3. Reload the postings from Lever.
	s.run(t, ctx, "reload", chromedp.Click(chromedp.CSS("#btn-reload")), waitText("#notice", "Postings reloaded from Lever."),
		waitText("#refreshed", "Postings loaded from Lever"))
	s.screenshot(t, ctx, "postings-reloaded")

	// 4. Link the first position with the keyboard only: search, pick, trigger, save.
	s.run(t, ctx, "open picker", chromedp.Focus(chromedp.CSS("#pos-0 .btn-edit")), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#pos-0-q")), chromedp.SendKeys(chromedp.CSS("#pos-0-q"), "berlin"),
		waitText("#pos-0-count", "1 posting"))
	s.run(t, ctx, "list all", chromedp.KeyEvent(strings.Repeat(kb.Backspace, len("berlin"))), chromedp.SendKeys(chromedp.CSS("#pos-0-q"), "e"),
		waitText("#pos-0-count", "4 postings"))
	options := get(t, ctx, "options", chromedp.TextContent(chromedp.CSS("#pos-0-posting")))
	if !strings.Contains(options, "[Closed] Legacy Support Engineer — Support · Lyon (Closed)") || !strings.Contains(options, "Data Analyst — Data · Paris (Internal)") {
		t.Errorf("picker options %q: want team, location, state, and closed postings marked", options)
	}
	s.run(t, ctx, "pick with keys", chromedp.KeyEvent(kb.Backspace), chromedp.SendKeys(chromedp.CSS("#pos-0-q"), "backend"),
		waitText("#pos-0-count", "1 posting"),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown),
		waitText("#pos-0-help", "answers a message"))
	s.screenshot(t, ctx, "picker")
	// Every visible control has a label or a name for screen readers.
	unnamed := get(t, ctx, "names", chromedp.Evaluate[[]string](`[...document.querySelectorAll('input, select, button, a')]
		.filter(e => e.offsetParent !== null)
		.filter(e => (e.tagName === 'INPUT' || e.tagName === 'SELECT') ? e.labels.length === 0 : !(e.getAttribute('aria-label') || e.textContent.trim()))
		.map(e => e.outerHTML.slice(0, 80))`))
	if len(unnamed) > 0 {
		t.Errorf("controls without a label or name: %q", unnamed)
	}
	s.run(t, ctx, "save first link", chromedp.Focus(chromedp.CSS("#pos-0 button[type=submit]")), chromedp.KeyEvent(kb.Enter),
		waitText("#pos-0 .pos-link", "Linked to Backend Engineer — Platform · Berlin (Published). Added when: The candidate replies."))

	// 5. Link the second position with the default trigger.
	s.run(t, ctx, "link second", chromedp.Click(chromedp.CSS("#pos-1 .btn-edit")), chromedp.WaitVisible(chromedp.CSS("#pos-1-posting")),
		chromedp.SetValue(chromedp.CSS("#pos-1-posting"), s.Postings["Frontend Engineer"]),
		chromedp.Click(chromedp.CSS("#pos-1 button[type=submit]")),
		waitText("#pos-1 .pos-link", "Linked to Frontend Engineer"))
	s.screenshot(t, ctx, "two-linked")
	ls := s.links(t)
	if len(ls) != 2 || ls["pos-backend"]["postingId"] != s.Postings["Backend Engineer"] || ls["pos-backend"]["trigger"] != "replied" ||
		ls["pos-frontend"]["postingId"] != s.Postings["Frontend Engineer"] || ls["pos-frontend"]["trigger"] != "contact_accepted" {
		t.Fatalf("links after linking two = %v", ls)
	}

	// 6. Unlink the first.
	s.run(t, ctx, "unlink", chromedp.Click(chromedp.CSS("#pos-0 .btn-remove")), waitText("#pos-0 .pos-link", "Not linked"))
	s.screenshot(t, ctx, "unlinked")
	if ls := s.links(t); len(ls) != 1 || ls["pos-frontend"] == nil {
		t.Fatalf("links after unlinking = %v", ls)
	}

	// 7. A failed export, retried from the page. The page holds no
	// candidate snapshot, so its Retry needs consent on record
	// (exportBeforeConsent); without it the page says why.
	s.Fake.FailNext("POST /opportunities", 1, leverfake.Failure{Kind: leverfake.KindError, Status: 400, Code: "BadRequestError", Message: "Invalid email"})
	cand := map[string]any{"positionId": "pos-frontend", "candidate": map[string]any{
		"id": "cand-7", "firstName": "Ada", "lastName": "Lovelace", "emails": []string{"ada@example.com"},
		"consent": map[string]any{"granted": true, "at": time.Now().UTC().Format(time.RFC3339)}}}
	if code := s.Do("POST", "/v1/companies/"+company+"/candidates/cand-7/export", cand, nil); code != 202 {
		t.Fatalf("export: %d", code)
	}
	s.Drain(20 * time.Second)
	s.run(t, ctx, "see failed", chromedp.Reload(), waitText("#failed-list", "Candidate cand-7"),
		waitText("#failed-list", "Lever refused the candidate: "))
	s.screenshot(t, ctx, "failed-export")
	s.run(t, ctx, "retry refused", chromedp.Click(chromedp.CSS("#failed-list button")), waitText("#notice", "no consent on record"))
	if code := s.Do("PUT", "/v1/companies/"+company+"/settings", map[string]any{
		"allowGeneralOpportunity": false, "exportBeforeConsent": true, "announceInternalPostings": false}, nil); code != 200 {
		t.Fatalf("PUT settings: %d", code)
	}
	s.run(t, ctx, "retry", chromedp.Click(chromedp.CSS("#failed-list button")), waitText("#notice", "queued again"))
	s.Drain(20 * time.Second)
	s.run(t, ctx, "exported", chromedp.Reload(), waitText("#recent-list", "Candidate cand-7"), waitText("#failed-empty", "No failed exports."))
	href := get(t, ctx, "lever link", chromedp.AttributeValue(chromedp.CSS("#recent-list a"), "href")).Value
	if len(s.Acct.Opportunities()) != 1 || href != s.Acct.Opportunities()[0].URLs.Show {
		t.Errorf("Open in Lever = %q, opportunities %d", href, len(s.Acct.Opportunities()))
	}
	s.screenshot(t, ctx, "retried")

	// 8. Lever revokes the access: the page says so, Reconnect fixes it.
	s.Acct.Revoke()
	s.run(t, ctx, "revoked", chromedp.Click(chromedp.CSS("#btn-reload")), waitText("#notice", "revoked"),
		chromedp.Reload(), waitText("#conn-state", "Lever access revoked: reconnect."))
	s.screenshot(t, ctx, "revoked")
	s.run(t, ctx, "reconnect", chromedp.Click(chromedp.CSS("#btn-connect")), waitText("#conn-state", "Connected to Lever (production)."))
	s.screenshot(t, ctx, "reconnected")

	// 9. Usable at 360 px: nothing wider than the screen.
	s.run(t, ctx, "narrow", chromedp.EmulateViewport(360, 800), chromedp.Reload(), waitText("#conn-state", "Connected"))
	width := get(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if width > 360 {
		t.Errorf("page is %d px wide at a 360 px viewport", width)
	}
	s.screenshot(t, ctx, "narrow-360")
}
