package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestHappyPath tells the talent.io story end to end over the real adapters:
// connect, reload postings, link, accept → exported once with history,
// message pushed, status answers the Lever URL.
func TestHappyPath(t *testing.T) {
	e := apptest.New(t)
	acct := e.Fake.NewAccount("Acme")
	e.Fake.SetConsentAccount(acct.ID)
	p := acct.AddPosting(leverfake.Posting{Text: "Backend Engineer", State: "published"})

	loc := e.Connect("acme", nil)
	if loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: got redirect %v, want status=connected", loc)
	}
	var conn map[string]any
	if code := e.Do("GET", "/v1/companies/acme/connection", nil, &conn); code != 200 || conn["status"] != "connected" {
		t.Fatalf("GET connection: %d %v", code, conn)
	}
	var list struct {
		Postings []map[string]any `json:"postings"`
	}
	if code := e.Do("POST", "/v1/companies/acme/postings/reload", nil, &list); code != 200 || len(list.Postings) != 1 {
		t.Fatalf("reload: %d %v", code, list)
	}
	if code := e.Do("PUT", "/v1/companies/acme/links/pos-1", map[string]any{"postingId": p.ID}, nil); code != 200 {
		t.Fatalf("link: %d", code)
	}
	ev := map[string]any{
		"id": "evt-1", "type": "candidate.contact_accepted", "occurredAt": time.Now().UTC().Format(time.RFC3339), "companyId": "acme",
		"data": map[string]any{"positionId": "pos-1", "candidate": map[string]any{
			"id": "cand-1", "firstName": "Ada", "lastName": "Lovelace", "emails": []string{"ada@example.com"},
			"profileUrl": "https://market.example/c/cand-1",
			"messages":   []map[string]any{{"id": "m1", "direction": "outbound", "sentAt": "2026-11-01T10:00:00Z", "body": "Hello Ada"}},
		}},
	}
	if code, out := e.Send(ev); code != 202 || out["status"] != "queued" {
		t.Fatalf("send: %d %v", code, out)
	}
	if failed := e.Drain(20 * time.Second); failed != 0 {
		t.Fatalf("drain: %d failed\n%s", failed, e.Logs.String())
	}
	opps := acct.Opportunities()
	if len(opps) != 1 {
		t.Fatalf("opportunities: got %d, want 1\n%s", len(opps), e.Logs.String())
	}
	notes := acct.Notes(opps[0].ID)
	if len(notes) != 1 {
		t.Fatalf("notes: got %d, want 1 (history)", len(notes))
	}
	for _, want := range []string{"Hello Ada", "[leverlink ref cand-1/history]"} {
		if !strings.Contains(notes[0].Text, want) {
			t.Errorf("history note does not contain %q:\n%s", want, notes[0].Text)
		}
	}
	var st map[string]any
	if code := e.Do("GET", "/v1/companies/acme/candidates/cand-1/export", nil, &st); code != 200 || st["state"] != "exported" || st["leverUrl"] == "" {
		t.Fatalf("status: %d %v", code, st)
	}
	if strings.Contains(e.Logs.String(), "ada@example.com") {
		t.Errorf("logs contain a candidate email")
	}
}
