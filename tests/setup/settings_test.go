package setup

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// apiSettings is GET …/settings through the management API.
type apiSettings struct {
	AllowGeneralOpportunity  bool       `json:"allowGeneralOpportunity"`
	ExportBeforeConsent      bool       `json:"exportBeforeConsent"`
	AnnounceInternalPostings bool       `json:"announceInternalPostings"`
	UpdatedAt                *time.Time `json:"updatedAt"`
	UpdatedBy                string     `json:"updatedBy"`
}

// getSettings reads the company's settings and their ETag through the API.
func (s *stack) getSettings(t *testing.T) (apiSettings, string) {
	t.Helper()
	rec := s.api(t, "GET", "/v1/companies/"+company+"/settings", "", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET settings: %d %s", rec.Code, rec.Body)
	}
	var v apiSettings
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v, rec.Header().Get("ETag")
}

// putSettings replaces the company's settings through the API, as the
// vendor's app would, on the condition ifMatch.
func (s *stack) putSettings(t *testing.T, ifMatch string, general, early, internal bool) {
	t.Helper()
	body := map[string]bool{"allowGeneralOpportunity": general, "exportBeforeConsent": early, "announceInternalPostings": internal}
	if rec := s.api(t, "PUT", "/v1/companies/"+company+"/settings", ifMatch, body); rec.Code != http.StatusOK {
		t.Fatalf("PUT settings: %d %s", rec.Code, rec.Body)
	}
}

// api sends a management request with the harness key and If-Match.
func (s *stack) api(t *testing.T, method, path, ifMatch string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+apptest.APIKey)
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	rec := httptest.NewRecorder()
	s.API.ServeHTTP(rec, req)
	return rec
}

// TestSettingsPanel: the admin turns a setting on with the keyboard and
// saves; the API then shows it with the page's audit identity. A save
// after someone else changed the settings is refused with a clear message
// and the page shows the current settings, which a second save can build
// on.
func TestSettingsPanel(t *testing.T) {
	s := newStack(t)
	ctx := browser(t)
	s.run(t, ctx, "open", chromedp.Navigate(s.session(t)), waitText("#settings-audit", "Never changed: all off"),
		waitText("#set-consent-help", "candidate data is copied to Lever before the candidate consents"),
		waitText("#set-general-help", "general opportunity"), waitText("#set-internal-help", "internal-only are announced to the vendor"))
	s.screenshot(t, ctx, "settings")

	// 1. Keyboard only: focus the consent box, Space, Tab to Save, Enter.
	s.run(t, ctx, "toggle and save", chromedp.Focus(chromedp.CSS("#set-consent")), chromedp.KeyEvent(" "),
		chromedp.Focus(chromedp.CSS("#btn-settings-save")), chromedp.KeyEvent(kb.Enter),
		waitText("#notice", "Settings saved."), waitText("#settings-audit", "by the setup page (session "))
	s.screenshot(t, ctx, "settings-saved")
	got, etag := s.getSettings(t)
	if !got.ExportBeforeConsent || got.AllowGeneralOpportunity || got.AnnounceInternalPostings || etag != `"1"` {
		t.Errorf("settings after the page's save = %+v ETag %s, want exportBeforeConsent only at version 1", got, etag)
	}
	if !strings.HasPrefix(got.UpdatedBy, "setup:") || len(got.UpdatedBy) != len("setup:")+8 || got.UpdatedBy != s.SessionID || got.UpdatedAt == nil {
		t.Errorf("audit after the page's save: updatedBy %q updatedAt %v, want the session's id %q", got.UpdatedBy, got.UpdatedAt, s.SessionID)
	}
	audit := get(t, ctx, "audit", chromedp.Text(chromedp.CSS("#settings-audit")))
	if !strings.Contains(audit, "(session "+strings.TrimPrefix(got.UpdatedBy, "setup:")+")") {
		t.Errorf("audit line %q does not name the session of %s", audit, got.UpdatedBy)
	}

	// 2. Stale save: the admin ticks "general opportunities"; meanwhile the
	// vendor's app turns on internal postings; the page's save is refused.
	s.run(t, ctx, "tick general", chromedp.Click(chromedp.CSS("#set-general")))
	s.putSettings(t, etag, false, true, true)
	s.run(t, ctx, "stale save", chromedp.Click(chromedp.CSS("#btn-settings-save")),
		waitText("#settings-msg", "Not saved: these settings were changed by the app (API key "),
		waitText("#settings-msg", "make your change again"), waitText("#settings-audit", "by the app (API key "))
	s.screenshot(t, ctx, "settings-conflict")
	boxes := get(t, ctx, "boxes", chromedp.Evaluate[[]bool](`['set-general','set-consent','set-internal'].map(id => document.getElementById(id).checked)`))
	if len(boxes) != 3 || boxes[0] || !boxes[1] || !boxes[2] {
		t.Errorf("boxes after the conflict = %v, want the current settings [false true true]", boxes)
	}
	if got, etag = s.getSettings(t); got.AllowGeneralOpportunity || !got.AnnounceInternalPostings || etag != `"2"` {
		t.Errorf("the stale save overwrote the settings: %+v %s", got, etag)
	}

	// 3. Made again on the current version, the change is saved.
	s.run(t, ctx, "save again", chromedp.Click(chromedp.CSS("#set-general")), chromedp.Click(chromedp.CSS("#btn-settings-save")),
		waitText("#notice", "Settings saved."), waitText("#settings-audit", "by the setup page"))
	if got, etag = s.getSettings(t); !got.AllowGeneralOpportunity || !got.ExportBeforeConsent || !got.AnnounceInternalPostings || etag != `"3"` {
		t.Errorf("settings after the second save = %+v %s, want all on at version 3", got, etag)
	}
	if msg := get(t, ctx, "msg hidden", chromedp.Evaluate[bool](`document.getElementById('settings-msg').hidden`)); !msg {
		t.Error("the conflict message is still shown after a good save")
	}

	// 4. At 360 px the panel fits.
	s.run(t, ctx, "narrow", chromedp.EmulateViewport(360, 800), chromedp.Reload(), waitText("#settings-audit", "Last changed"))
	if w := get(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
		t.Errorf("page is %d px wide at 360 px", w)
	}
	s.screenshot(t, ctx, "settings-360")
}

// TestRetryToChosenPosting: a general-opportunity export that failed has no
// position; the admin picks a Lever posting in the failed export's
// searchable picker and retries: the opportunity lands on that posting.
func TestRetryToChosenPosting(t *testing.T) {
	s := newStack(t)
	ctx := browser(t)
	if loc := s.Connect(company, map[string]any{"returnUrl": s.Vendor + "/settings/ats"}); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: %v", loc)
	}
	if code := s.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	// General opportunities allowed; the page's Retry has no snapshot, so
	// it needs export before consent (see the README's Limits).
	s.putSettings(t, "", true, true, false)
	s.Fake.FailNext("POST /opportunities", 1, leverfake.Failure{Kind: leverfake.KindError, Status: 400, Code: "BadRequestError", Message: "Invalid email"})
	cand := map[string]any{"candidate": map[string]any{
		"id": "cand-9", "firstName": "Grace", "lastName": "Hopper", "emails": []string{"grace@example.com"},
		"consent": map[string]any{"granted": true, "at": time.Now().UTC().Format(time.RFC3339)}}}
	if code := s.Do("POST", "/v1/companies/"+company+"/candidates/cand-9/export", cand, nil); code != 202 {
		t.Fatalf("export: %d", code)
	}
	s.Drain(20 * time.Second)
	if n := len(s.Acct.Opportunities()); n != 0 {
		t.Fatalf("%d opportunities after the failed export", n)
	}

	s.run(t, ctx, "see failed", chromedp.Navigate(s.session(t)), waitText("#failed-list", "Candidate cand-9 · General opportunity (no job)"))
	s.run(t, ctx, "open picker", chromedp.Focus(chromedp.CSS("#failed-0 .btn-choose")), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#failed-0-q")), waitText("#failed-0-count", "4 postings"),
		chromedp.SendKeys(chromedp.CSS("#failed-0-q"), "remote"), waitText("#failed-0-count", "1 posting"),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowDown))
	if v := get(t, ctx, "picked", chromedp.Evaluate[string](`document.getElementById('failed-0-posting').value`)); v != s.Postings["Frontend Engineer"] {
		t.Fatalf("picked %q, want the Frontend Engineer posting", v)
	}
	s.screenshot(t, ctx, "retry-picker")
	unnamed := get(t, ctx, "names", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#failed-list input, #failed-list select, #failed-list button')]
		.filter(e => e.offsetParent !== null)
		.filter(e => (e.tagName === 'INPUT' || e.tagName === 'SELECT') ? e.labels.length === 0 : !(e.getAttribute('aria-label') || e.textContent.trim()))
		.map(e => e.outerHTML.slice(0, 80))`))
	if len(unnamed) > 0 {
		t.Errorf("controls without a label or name: %q", unnamed)
	}

	// A closed posting is refused unless the admin says so.
	s.run(t, ctx, "closed refused", chromedp.Focus(chromedp.CSS("#failed-0-q")), chromedp.KeyEvent(strings.Repeat(kb.Backspace, len("remote"))),
		chromedp.SendKeys(chromedp.CSS("#failed-0-q"), "legacy"), waitText("#failed-0-count", "1 posting"),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowDown), chromedp.WaitVisible(chromedp.CSS("#failed-0-closed")),
		chromedp.Click(chromedp.CSS("#failed-0 .retry-form button[type=submit]")), waitText("#notice", "This Lever posting is closed."))
	s.Drain(5 * time.Second)
	if n := len(s.Acct.Opportunities()); n != 0 {
		t.Fatalf("%d opportunities after a refused retry to a closed posting", n)
	}
	s.run(t, ctx, "pick frontend again", chromedp.Focus(chromedp.CSS("#failed-0-q")), chromedp.KeyEvent(strings.Repeat(kb.Backspace, len("legacy"))),
		chromedp.SendKeys(chromedp.CSS("#failed-0-q"), "remote"), waitText("#failed-0-count", "1 posting"),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowDown), chromedp.WaitNotVisible(chromedp.CSS("#failed-0-closed")))

	s.run(t, ctx, "retry", chromedp.Click(chromedp.CSS("#failed-0 .retry-form button[type=submit]")),
		waitText("#notice", "Export of candidate cand-9 queued again to Frontend Engineer."))
	s.Drain(20 * time.Second)
	s.run(t, ctx, "exported", chromedp.Reload(), waitText("#recent-list", "Candidate cand-9"), waitText("#failed-empty", "No failed exports."))
	s.screenshot(t, ctx, "retried-to-posting")
	opps := s.Acct.Opportunities()
	if len(opps) != 1 || len(opps[0].Postings) != 1 || opps[0].Postings[0] != s.Postings["Frontend Engineer"] {
		t.Fatalf("opportunities = %+v, want one on the Frontend Engineer posting", opps)
	}
	var st struct {
		State     string `json:"state"`
		PostingID string `json:"postingId"`
		LeverURL  string `json:"leverUrl"`
	}
	if code := s.Do("GET", "/v1/companies/"+company+"/candidates/cand-9/export", nil, &st); code != 200 || st.State != "exported" ||
		st.PostingID != s.Postings["Frontend Engineer"] || st.LeverURL != opps[0].URLs.Show {
		t.Errorf("export status %d %+v", code, st)
	}
}
