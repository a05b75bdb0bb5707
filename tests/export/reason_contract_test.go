package export

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/link"
)

// documentedReasons reads each operation's x-reasons from docs/openapi.yaml,
// keyed "METHOD /path"; an operation without x-reasons is absent.
func documentedReasons(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(docPath(t, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for path, item := range doc.Paths {
		for method, node := range item {
			var op struct {
				Reasons *[]string `yaml:"x-reasons"`
			}
			if node.Kind != yaml.MappingNode || node.Decode(&op) != nil || op.Reasons == nil {
				continue
			}
			out[strings.ToUpper(method)+" "+path] = *op.Reasons
		}
	}
	return out
}

// reasonWalk records, per route, the reasons the running stack answered.
type reasonWalk struct {
	f   *fixture
	got map[string]map[string]bool
}

const co = "/v1/companies/{companyId}"

func (w *reasonWalk) add(route, reason string) {
	if reason == "" {
		return
	}
	if w.got[route] == nil {
		w.got[route] = map[string]bool{}
	}
	w.got[route][reason] = true
}

// call makes a management API call and records the error reason it got
// (or, for an export status, nothing: its reason is a field, not an error).
// The status must match the reason's family: 422 and 400 answer code
// invalid, 409 conflict.
func (w *reasonWalk) call(route, method, path string, body any) string {
	w.f.t.Helper()
	var raw json.RawMessage
	code := w.f.Do(method, path, body, &raw)
	var e errorAnswer
	_ = json.Unmarshal(raw, &e)
	if code >= 400 {
		want := map[int]string{400: "invalid", 422: "invalid", 404: "not_found", 409: "conflict"}[code]
		if want != "" && e.Error.Code != want {
			w.f.t.Errorf("%s %s: status %d with code %q, want %q", method, path, code, e.Error.Code, want)
		}
	}
	w.add(route, e.Error.Reason)
	return e.Error.Reason
}

// send posts an event and records the outcome's or the error's reason.
func (w *reasonWalk) send(ev map[string]any) string {
	w.f.t.Helper()
	_, out := w.f.Send(ev)
	return w.record(out)
}

func (w *reasonWalk) record(out map[string]any) string {
	r, _ := out["reason"].(string)
	if e, ok := out["error"].(map[string]any); ok {
		r, _ = e["reason"].(string)
	}
	w.add("POST /v1/events", r)
	return r
}

// TestReasonContract walks every route that documents x-reasons and
// produces, against the running stack, each reason it can answer: every
// documented reason must be produced and every produced one documented.
// Authentication reasons (missing_key, invalid_key, wrong_company) are
// checked on every route by tests/connect.
func TestReasonContract(t *testing.T) {
	f := setup(t)
	w := &reasonWalk{f: f, got: map[string]map[string]bool{}}
	ctx := context.Background()
	p := func(rest string) string { return "/v1/companies/" + company + rest }
	const (
		exportRoute   = "POST " + co + "/candidates/{candidateId}/export"
		retryRoute    = "POST " + co + "/exports/{candidateId}/retry"
		actRetryRoute = "POST " + co + "/exports/{candidateId}/activities/retry"
		linkRoute     = "PUT " + co + "/links/{positionId}"
		reloadRoute   = "POST " + co + "/postings/reload"
		performRoute  = "PUT " + co + "/connection/perform-as"
		eraseRoute    = "DELETE " + co + "/candidates/{candidateId}"
	)
	noConsent := map[string]any{"consent": nil}

	closed := f.acct.AddPosting(leverfake.Posting{Text: "Closed role", State: "closed"})
	gone := f.acct.AddPosting(leverfake.Posting{Text: "Gone role", State: "published"})
	draft := f.acct.AddPosting(leverfake.Posting{Text: "Draft role", State: "draft"})
	w.call(reloadRoute, "POST", p("/postings/reload"), nil)
	f.link("pos-1", f.postings[0].ID, "")
	f.link("pos-r", f.postings[1].ID, "replied")
	f.link("pos-c", closed.ID, "")
	f.link("pos-g", gone.ID, "")
	if _, err := f.App.Links.SetFlags(ctx, company, map[string]link.Flag{closed.ID: link.FlagPostingClosed, gone.ID: link.FlagPostingGone}); err != nil {
		t.Fatal(err)
	}
	w.call(linkRoute, "PUT", p("/links/pos-d"), map[string]any{"postingId": draft.ID})

	// The webhook's answers.
	w.send(candEvent("candidate.contact_accepted", "pos-1", cand("a-1")))
	f.drain(false)
	w.send(candEvent("candidate.contact_accepted", "pos-1", cand("a-1")))   // already_exported
	w.send(candEvent("candidate.contact_accepted", "pos-9", cand("s-1")))   // position_not_linked
	w.send(candEvent("candidate.contact_accepted", "pos-c", cand("s-2")))   // posting_closed
	w.send(candEvent("candidate.contact_accepted", "pos-g", cand("s-3")))   // posting_gone
	w.send(candEvent("candidate.replied", "pos-r", cand("s-4", noConsent))) // no_consent
	w.send(candEvent("candidate.first_message_sent", "pos-r", cand("s-5"))) // trigger_not_reached
	w.send(candEvent("candidate.position_changed", "pos-1", cand("s-6")))   // position_changed_is_not_a_trigger
	w.send(noteEvent("never", "n-1", "Never seen"))                         // not_exported
	body := []byte(`{"id":"e1","type":"note.created"}`)
	for _, sig := range []string{"", "garbage",
		event.Sign(apptest.WebhookSecret, time.Now().Add(-time.Hour), body),
		event.Sign("another-secret", time.Now(), body)} {
		_, out := f.SendRaw(body, sig)
		w.record(out)
	}

	// The Export button and its retry.
	w.call(exportRoute, "POST", p("/candidates/a-1/export"), exportBody("pos-1", cand("a-1")))
	for pos, c := range map[string]string{"pos-9": "b-1", "pos-c": "b-2", "pos-g": "b-3"} {
		w.call(exportRoute, "POST", p("/candidates/"+c+"/export"), exportBody(pos, cand(c)))
	}
	w.call(exportRoute, "POST", p("/candidates/b-4/export"), exportBody("pos-1", cand("b-4", noConsent)))
	w.call(retryRoute, "POST", p("/exports/a-1/retry"), map[string]any{})
	for pos, c := range map[string]string{"pos-9": "s-1", "pos-c": "s-2", "pos-g": "s-3"} {
		w.call(retryRoute, "POST", p("/exports/"+c+"/retry"), exportBody(pos, cand(c)))
	}
	w.call(retryRoute, "POST", p("/exports/s-4/retry"), exportBody("pos-r", cand("s-4", noConsent)))
	// A posting chosen now that Lever does not have, even after a reload
	// (last: the reload refreshes the cached postings and their flags).
	w.call(exportRoute, "POST", p("/candidates/b-5/export"), map[string]any{"postingId": "no-such-posting", "candidate": cand("b-5")})
	w.call(retryRoute, "POST", p("/exports/s-1/retry"), map[string]any{"postingId": "no-such-posting", "candidate": cand("s-1")})

	// Pushes and their retry.
	noteBody := func(id, text string) map[string]any {
		return map[string]any{"note": map[string]any{"id": id, "author": "Grace", "createdAt": now(), "body": text}}
	}
	w.call(actRetryRoute, "POST", p("/exports/never/activities/retry"), noteBody("n-1", "Never seen"))
	f.send(noteEvent("a-1", "n-2", "Pushed"), 202, "queued")
	f.drain(false)
	w.call(actRetryRoute, "POST", p("/exports/a-1/activities/retry"), noteBody("n-2", "Pushed"))
	f.unlink("pos-1")
	w.send(noteEvent("a-1", "n-3", "After unlink")) // position_not_linked (recorded already)
	w.call(actRetryRoute, "POST", p("/exports/a-1/activities/retry"), noteBody("n-3", "After unlink"))

	// Erasure: an export in flight makes the DELETE wait (in_progress);
	// an erased candidate's events, button and retry answer erased.
	if _, err := f.App.Exports.Claim(ctx, exportKey("e-1"), "held", time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	w.call(eraseRoute, "DELETE", p("/candidates/e-1"), nil)
	w.call(eraseRoute, "DELETE", p("/candidates/e-2"), nil)
	w.send(candEvent("candidate.contact_accepted", "pos-1", cand("e-2")))
	w.call(exportRoute, "POST", p("/candidates/e-2/export"), exportBody("pos-1", cand("e-2")))
	w.call(retryRoute, "POST", p("/exports/e-2/retry"), map[string]any{})

	// The company's connection: revoked, then unusable tokens, then gone.
	for _, st := range []connection.Status{connection.Revoked, connection.ReauthRequired} {
		f.updateConn(func(c *connection.Connection) { c.Status = st })
		w.send(candEvent("candidate.contact_accepted", "pos-c", cand("c-"+string(st))))
		w.call(exportRoute, "POST", p("/candidates/b-1/export"), exportBody("pos-c", cand("b-1")))
		w.call(retryRoute, "POST", p("/exports/s-1/retry"), exportBody("", cand("s-1")))
		w.call(actRetryRoute, "POST", p("/exports/never/activities/retry"), noteBody("n-1", "Never seen"))
		w.call(reloadRoute, "POST", p("/postings/reload"), nil)
		w.call(performRoute, "PUT", p("/connection/perform-as"), map[string]any{"email": "rec@acme.example"})
		w.call(linkRoute, "PUT", p("/links/pos-1"), map[string]any{"postingId": f.postings[0].ID})
	}
	// The perform-as user deactivated: linking waits for the repair.
	f.updateConn(func(c *connection.Connection) { c.Status = connection.PerformAsInactive })
	w.call(linkRoute, "PUT", p("/links/pos-1"), map[string]any{"postingId": f.postings[0].ID})
	f.updateConn(func(c *connection.Connection) { c.Status = connection.Connected })
	if code := f.Do("DELETE", p("/connection"), nil, nil); code != 200 {
		t.Fatalf("disconnect: %d", code)
	}
	w.send(candEvent("candidate.contact_accepted", "pos-c", cand("c-nc")))
	w.call(exportRoute, "POST", p("/candidates/b-1/export"), exportBody("pos-c", cand("b-1")))
	w.call(retryRoute, "POST", p("/exports/s-1/retry"), exportBody("", cand("s-1")))
	w.call(actRetryRoute, "POST", p("/exports/never/activities/retry"), noteBody("n-1", "Never seen"))
	w.call(reloadRoute, "POST", p("/postings/reload"), nil)
	w.call(performRoute, "PUT", p("/connection/perform-as"), map[string]any{"email": "rec@acme.example"})
	w.call(linkRoute, "PUT", p("/links/pos-1"), map[string]any{"postingId": f.postings[0].ID})

	documented := documentedReasons(t)
	for _, r := range management {
		if _, ok := documented[r]; !ok {
			t.Errorf("%s: no x-reasons in docs/openapi.yaml", r)
		}
	}
	for route, doc := range documented {
		var got []string
		for r := range w.got[route] {
			got = append(got, r)
		}
		want := slices.Clone(doc)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: produced reasons %v, documented x-reasons %v", route, got, want)
		}
	}
	for route := range w.got {
		if _, ok := documented[route]; !ok {
			t.Errorf("%s answered reasons %v but documents no x-reasons", route, w.got[route])
		}
	}
}

// management lists the management API's operations (tests/openapi checks
// it against server.go).
var management = []string{
	"POST " + co + "/connection/authorize",
	"GET " + co + "/connection",
	"DELETE " + co + "/connection",
	"GET " + co + "/postings",
	"POST " + co + "/postings/reload",
	"GET " + co + "/links",
	"PUT " + co + "/links/{positionId}",
	"DELETE " + co + "/links/{positionId}",
	"POST " + co + "/candidates/{candidateId}/export",
	"GET " + co + "/candidates/{candidateId}/export",
	"DELETE " + co + "/candidates/{candidateId}",
	"GET " + co + "/exports",
	"POST " + co + "/exports/{candidateId}/retry",
	"GET " + co + "/activities",
	"POST " + co + "/exports/{candidateId}/activities/retry",
	"POST " + co + "/setup-sessions",
	"PUT " + co + "/connection/perform-as",
	"GET /v1/health",
	"POST /v1/events",
}
