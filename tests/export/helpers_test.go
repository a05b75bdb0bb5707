package export

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// company is the vendor customer every scenario connects.
const company = "acme"

// fixture is one isolated leverlink connected to one fake Lever account
// with two published postings in the posting cache.
type fixture struct {
	*apptest.Env
	t        *testing.T
	acct     *leverfake.Account
	postings []leverfake.Posting
}

// setup builds a connected fixture. Every scenario runs in parallel with
// the others: each has its own tables, queues and fake Lever.
func setup(t *testing.T, opts ...apptest.Option) *fixture {
	t.Helper()
	t.Parallel()
	e := apptest.New(t, opts...)
	acct := e.Fake.NewAccount("Acme")
	e.Fake.SetConsentAccount(acct.ID)
	f := &fixture{Env: e, t: t, acct: acct}
	for _, name := range []string{"Backend Engineer", "Data Engineer"} {
		f.postings = append(f.postings, acct.AddPosting(leverfake.Posting{Text: name, State: "published"}))
	}
	if loc := e.Connect(company, nil); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: got redirect %v, want status=connected", loc)
	}
	if code := e.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload postings: status %d", code)
	}
	return f
}

// link links a position to a posting with a trigger ("" = default).
func (f *fixture) link(positionID, postingID, trigger string) {
	f.t.Helper()
	body := map[string]any{"postingId": postingID}
	if trigger != "" {
		body["trigger"] = trigger
	}
	var out map[string]any
	if code := f.Do("PUT", "/v1/companies/"+company+"/links/"+positionID, body, &out); code != 200 {
		f.t.Fatalf("link %s → %s (%s): status %d %v", positionID, postingID, trigger, code, out)
	}
}

// unlink removes a position's link.
func (f *fixture) unlink(positionID string) {
	f.t.Helper()
	if code := f.Do("DELETE", "/v1/companies/"+company+"/links/"+positionID, nil, nil); code != 204 {
		f.t.Fatalf("unlink %s: status %d", positionID, code)
	}
}

// updateConn changes the company's stored connection (its status, as a
// revocation or unusable tokens would leave it).
func (f *fixture) updateConn(fn func(*connection.Connection)) {
	f.t.Helper()
	_, err := f.App.Connections.Update(context.Background(), company, func(c *connection.Connection) error {
		fn(c)
		return nil
	})
	if err != nil {
		f.t.Fatalf("update connection: %v", err)
	}
}

// setSettings sets the company's settings through the API (GET for the
// ETag, then PUT with If-Match), changing the fields given.
func (f *fixture) setSettings(changes map[string]bool) {
	f.t.Helper()
	doc, etag, code := f.getSettings()
	if code != 200 {
		f.t.Fatalf("GET settings: %d", code)
	}
	body := map[string]any{}
	for _, k := range []string{"allowGeneralOpportunity", "exportBeforeConsent", "announceInternalPostings"} {
		body[k] = doc[k]
	}
	for k, v := range changes {
		body[k] = v
	}
	if code, out, _ := f.putSettings(body, etag); code != 200 {
		f.t.Fatalf("PUT settings %v: %d %v", changes, code, out)
	}
}

// send posts a signed event and checks the status and outcome ("" skips the
// outcome check).
func (f *fixture) send(ev map[string]any, wantCode int, wantStatus string) map[string]any {
	f.t.Helper()
	code, out := f.Send(ev)
	if code != wantCode || (wantStatus != "" && out["status"] != wantStatus) {
		f.t.Fatalf("send %s %s: got %d %v, want %d status %q", ev["type"], ev["id"], code, out, wantCode, wantStatus)
	}
	return out
}

// drain runs the exporter until the queue is empty and fails the test when
// any message failed (pass allowFailures for fault scenarios).
func (f *fixture) drain(allowFailures bool) int {
	f.t.Helper()
	n := f.Drain(60 * time.Second)
	if n != 0 && !allowFailures {
		f.t.Fatalf("drain: %d messages failed\n%s", n, f.Logs.String())
	}
	return n
}

// statusView is GET /candidates/{id}/export.
type statusView struct {
	CandidateID   string `json:"candidateId"`
	State         string `json:"state"`
	Exportable    bool   `json:"exportable"`
	Reason        string `json:"reason"`
	LeverURL      string `json:"leverUrl"`
	OpportunityID string `json:"opportunityId"`
	ContactID     string `json:"contactId"`
	PostingID     string `json:"postingId"`
	PositionID    string `json:"positionId"`
	ExportedAt    string `json:"exportedAt"`
	Attempts      int    `json:"attempts"`
	LastError     string `json:"lastError"`
}

func (f *fixture) status(candidateID string) statusView {
	f.t.Helper()
	return f.statusAt(candidateID, "")
}

// statusAt is the status for the position the vendor UI shows the
// candidate on ("" = the one recorded).
func (f *fixture) statusAt(candidateID, positionID string) statusView {
	f.t.Helper()
	var v statusView
	q := ""
	if positionID != "" {
		q = "?positionId=" + positionID
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/candidates/"+candidateID+"/export"+q, nil, &v); code != 200 {
		f.t.Fatalf("GET export status of %s: %d", candidateID, code)
	}
	return v
}

// oppsOf returns the opportunities whose contact has email.
func (f *fixture) oppsOf(email string) []leverfake.Opportunity {
	var out []leverfake.Opportunity
	for _, o := range f.acct.Opportunities() {
		for _, e := range o.Emails {
			if e == strings.ToLower(email) {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// oneOpp fails unless exactly one opportunity has email, and returns it.
func (f *fixture) oneOpp(email string) leverfake.Opportunity {
	f.t.Helper()
	opps := f.oppsOf(email)
	if len(opps) != 1 {
		f.t.Fatalf("opportunities of %s: got %d, want 1\n%s", email, len(opps), f.Logs.String())
	}
	return opps[0]
}

// noteTexts returns the note texts of an opportunity.
func (f *fixture) noteTexts(oppID string) []string {
	var out []string
	for _, n := range f.acct.Notes(oppID) {
		out = append(out, n.Text)
	}
	return out
}

// noDuplicates fails on any double write the fake detects.
func (f *fixture) noDuplicates() {
	f.t.Helper()
	if d := f.Fake.Duplicates(); len(d) != 0 {
		f.t.Fatalf("duplicates at the fake Lever: %+v", d)
	}
}

var seq atomic.Int64

// evtID returns a fresh event id.
func evtID() string { return fmt.Sprintf("evt-%d-%d", time.Now().UnixNano(), seq.Add(1)) }

func now() string { return time.Now().UTC().Format(time.RFC3339) }

// cand is a candidate snapshot with an email, a marketplace profile URL and
// consent; mods adjust it (set a key to nil to delete it).
func cand(id string, mods ...map[string]any) map[string]any {
	c := map[string]any{
		"id": id, "firstName": "Ada", "lastName": "Lovelace-" + id,
		"emails":     []string{id + "@example.com"},
		"profileUrl": "https://market.example/c/" + id,
		"consent":    map[string]any{"granted": true, "at": "2026-01-02T10:00:00Z"},
	}
	for _, m := range mods {
		for k, v := range m {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
	}
	return c
}

func email(candidateID string) string { return candidateID + "@example.com" }

// candEvent is a candidate.* event; positionID "" sends none.
func candEvent(typ string, positionID string, c map[string]any) map[string]any {
	data := map[string]any{"candidate": c}
	if positionID != "" {
		data["positionId"] = positionID
	}
	return map[string]any{"id": evtID(), "type": typ, "occurredAt": now(), "companyId": company, "data": data}
}

// msgEvent is message.created.
func msgEvent(candidateID, msgID, direction, body string) map[string]any {
	return map[string]any{"id": evtID(), "type": "message.created", "occurredAt": now(), "companyId": company,
		"data": map[string]any{"candidateId": candidateID, "message": map[string]any{
			"id": msgID, "direction": direction, "author": "Grace", "sentAt": now(), "body": body}}}
}

// noteEvent is note.created.
func noteEvent(candidateID, noteID, body string) map[string]any {
	return map[string]any{"id": evtID(), "type": "note.created", "occurredAt": now(), "companyId": company,
		"data": map[string]any{"candidateId": candidateID, "note": map[string]any{
			"id": noteID, "author": "Grace", "createdAt": now(), "body": body}}}
}

// exportBody is the Export button body.
func exportBody(positionID string, c map[string]any) map[string]any {
	b := map[string]any{"candidate": c}
	if positionID != "" {
		b["positionId"] = positionID
	}
	return b
}

// errorAnswer is the API's error envelope, with the export view of 409/422.
type errorAnswer struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
		Reason  string `json:"reason"`
	} `json:"error"`
	Export statusView `json:"export"`
}

// countContaining counts the texts containing sub.
func countContaining(texts []string, sub string) int {
	n := 0
	for _, s := range texts {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// withShortStale makes abandoned claims stale quickly (crash scenarios).
var withShortStale = apptest.WithStaleAfter(300 * time.Millisecond)
