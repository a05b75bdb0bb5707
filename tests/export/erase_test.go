package export

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/export"
)

// erasure is the answer of DELETE /candidates/{candidateId}.
type erasure struct {
	CandidateID string `json:"candidateId"`
	State       string `json:"state"`
	ErasedAt    string `json:"erasedAt"`
	Removed     struct {
		ExportMarker    int `json:"exportMarker"`
		ActivityMarkers int `json:"activityMarkers"`
		LinkedInIndex   int `json:"linkedinIndex"`
		QueuedPayloads  int `json:"queuedPayloads"`
	} `json:"removed"`
}

// erase calls DELETE …/candidates/{candidateId} with key and wants code.
func (f *fixture) erase(key, companyID, candidateID string, want int) (erasure, errorAnswer) {
	f.t.Helper()
	var raw json.RawMessage
	code := f.DoKey(key, "DELETE", "/v1/companies/"+companyID+"/candidates/"+candidateID, nil, &raw)
	if code != want {
		f.t.Fatalf("DELETE %s/%s: status %d %s, want %d", companyID, candidateID, code, raw, want)
	}
	var out erasure
	var e errorAnswer
	_ = json.Unmarshal(raw, &out)
	_ = json.Unmarshal(raw, &e)
	return out, e
}

// tableItems scans the four tables of the fixture and returns every item
// as JSON text, by table.
func (f *fixture) tableItems() map[string][]string {
	f.t.Helper()
	ctx := context.Background()
	db, err := dynamo.NewClient(ctx, f.App.Config.DynamoDBEndpoint)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string][]string{}
	cfg := f.App.Config
	for _, table := range []string{cfg.ConnectionsTable, cfg.LinksTable, cfg.ExportsTable, cfg.EventsTable} {
		p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				f.t.Fatalf("scan %s: %v", table, err)
			}
			for _, it := range page.Items {
				var m map[string]any
				if err := attributevalue.UnmarshalMap(it, &m); err != nil {
					f.t.Fatal(err)
				}
				b, _ := json.Marshal(m)
				out[table] = append(out[table], string(b))
			}
		}
	}
	return out
}

// holding returns the items of any table whose text contains one of subs
// (compared case-insensitively).
func holding(items map[string][]string, subs ...string) []string {
	var out []string
	for table, list := range items {
		for _, it := range list {
			for _, s := range subs {
				if strings.Contains(strings.ToLower(it), strings.ToLower(s)) {
					out = append(out, table+": "+it)
					break
				}
			}
		}
	}
	return out
}

// TestEraseCandidate: a candidate exported with its history, a pushed
// message and a LinkedIn URL is erased by the vendor's DELETE: every item
// but the tombstone goes, nothing personal is left in any table, later
// events and pushes are accepted and skipped erased, the button and the
// retry refuse it, the status says erased; a job queued before the DELETE
// never exports; another company's key touches nothing.
func TestEraseCandidate(t *testing.T) {
	f := setup(t, apptest.WithAPIKeys(apptest.APIKey+",globex=globex-only-key"))
	f.link("pos-1", f.postings[0].ID, "")
	personal := map[string]any{
		"firstName": "Augusta", "lastName": "Byron-Erased", "emails": []string{"augusta.erased@example.com"},
		"phones": []string{"+44 20 7946 0999"}, "headline": "Analyst of engines",
		"profileUrl": "https://market.example/c/augusta-profile", "linkedinUrl": "https://www.linkedin.com/in/augusta-erased/",
		"links":    []string{"https://augusta-home.example/"},
		"messages": []map[string]any{{"id": "m1", "direction": "outbound", "sentAt": now(), "body": "Secret hello Augusta"}},
		"notes":    []map[string]any{{"id": "n1", "createdAt": now(), "body": "Private note about Augusta"}},
	}
	secrets := []string{"Augusta", "Byron-Erased", "augusta.erased@example.com", "7946 0999", "Analyst of engines",
		"augusta-profile", "augusta-erased", "augusta-home", "Secret hello", "Private note", "Later message"}
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("er-1", personal)), 202, "queued")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("keep-1")), 202, "queued")
	f.drain(false)
	f.send(msgEvent("er-1", "m2", "inbound", "Later message"), 202, "queued")
	f.drain(false)
	before := f.status("er-1")
	if before.State != "exported" || before.OpportunityID == "" {
		t.Fatalf("before erasure: %+v, want exported", before)
	}
	keepBefore := f.status("keep-1")
	// The LinkedIn index holds the profile URL until the erasure.
	if len(holding(f.tableItems(), "augusta-erased")) == 0 {
		t.Fatal("the LinkedIn index entry was not recorded: the test would prove nothing")
	}

	// Another company's key cannot erase acme's candidate.
	_, e := f.erase("globex-only-key", company, "er-1", 403)
	if e.Error.Reason != "wrong_company" {
		t.Fatalf("cross-company DELETE: %+v, want wrong_company", e.Error)
	}
	// globex erasing its own candidate er-1 leaves acme's alone.
	if got, _ := f.erase("globex-only-key", "globex", "er-1", 200); got.Removed.ExportMarker != 0 {
		t.Fatalf("globex's erasure of its unknown er-1 = %+v, want nothing removed", got)
	}
	if got := f.status("er-1"); got.State != "exported" {
		t.Fatalf("acme's er-1 after globex's DELETE: %+v, want exported", got)
	}

	got, _ := f.erase(apptest.APIKey, company, "er-1", 200)
	if got.CandidateID != "er-1" || got.State != "erased" || got.ErasedAt == "" ||
		got.Removed.ExportMarker != 1 || got.Removed.ActivityMarkers != 3 || got.Removed.LinkedInIndex != 1 {
		// activities: history (listing message:m1 and note:n1, which
		// have no marker of their own), message:m2 and the lead stage it
		// moved (stage:…).
		t.Fatalf("DELETE = %+v, want 1 export marker, 3 activity markers, 1 LinkedIn entry", got)
	}

	items := f.tableItems()
	if leak := holding(items, secrets...); len(leak) > 0 {
		t.Fatalf("personal data left after erasure:\n  %s", strings.Join(leak, "\n  "))
	}
	left := holding(items, `"er-1"`, "#er-1")
	var acme, forgotten []string
	for _, it := range left {
		switch {
		case !strings.Contains(it, `"pk":"`+company+`"`):
		case strings.Contains(it, `"sk":"lever#opp#`):
			forgotten = append(forgotten, it)
		default:
			acme = append(acme, it)
		}
	}
	if len(acme) != 1 || !strings.Contains(acme[0], `"state":"erased"`) || len(forgotten) != 1 {
		t.Fatalf("acme's items of er-1 after erasure:\n  %s\n  %s\nwant only the tombstone and its opportunity's forgotten Lever state",
			strings.Join(acme, "\n  "), strings.Join(forgotten, "\n  "))
	}
	// idsOnly fails unless the item keeps only the keys allowed.
	idsOnly := func(what, item string, allowed ...string) map[string]any {
		var m map[string]any
		_, text, _ := strings.Cut(item, ": ")
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if !slices.Contains(allowed, k) {
				t.Errorf("%s keeps %s=%v: only ids, state and time may stay", what, k, m[k])
			}
		}
		if m["opportunityId"] != before.OpportunityID {
			t.Errorf("%s opportunityId %v, want %s", what, m["opportunityId"], before.OpportunityID)
		}
		return m
	}
	idsOnly("the tombstone", acme[0], "pk", "sk", "candidateId", "state", "opportunityId", "contactId", "updatedAt", "version", "gsi1pk", "gsi1sk")
	// Lever sync-back forgot the opportunity (no Lever stage, archive or
	// hire kept; no more candidate.* events: tests/events).
	if lv := idsOnly("the forgotten Lever state", forgotten[0], "pk", "sk", "candidateId", "opportunityId", "forgotten", "updatedAt", "version"); lv["forgotten"] != true {
		t.Errorf("the opportunity's Lever state is not forgotten: %s", forgotten[0])
	}

	// The status shows it; the button and the retry refuse it.
	st := f.status("er-1")
	if st.State != "erased" || st.Exportable || st.Reason != "erased" || st.OpportunityID != before.OpportunityID || st.LeverURL != "" {
		t.Fatalf("status after erasure: %+v, want erased, not exportable", st)
	}
	var ans errorAnswer
	if code := f.Do("POST", "/v1/companies/"+company+"/candidates/er-1/export", exportBody("pos-1", cand("er-1")), &ans); code != 422 || ans.Error.Reason != "erased" {
		t.Fatalf("Export button after erasure: %d %+v, want 422 erased", code, ans.Error)
	}
	if code := f.Do("POST", "/v1/companies/"+company+"/exports/er-1/retry", map[string]any{}, &ans); code != 422 || ans.Error.Reason != "erased" {
		t.Fatalf("retry after erasure: %d %+v, want 422 erased", code, ans.Error)
	}

	// Events sent again (new ids) are accepted and skipped erased; nothing
	// is queued, written to Lever or recorded.
	notes := len(f.noteTexts(before.OpportunityID))
	for _, ev := range []map[string]any{
		candEvent("candidate.contact_accepted", "pos-1", cand("er-1", personal)),
		candEvent("candidate.replied", "pos-1", cand("er-1", personal)),
		msgEvent("er-1", "m3", "inbound", "Later message again"),
		noteEvent("er-1", "n2", "Private note again"),
	} {
		if out := f.send(ev, 202, "skipped"); out["reason"] != "erased" {
			t.Fatalf("%s after erasure: %v, want skipped erased", ev["type"], out)
		}
	}
	f.drain(false)
	if n := len(f.noteTexts(before.OpportunityID)); n != notes {
		t.Fatalf("notes on the opportunity after erasure: %d, want %d (nothing pushed)", n, notes)
	}
	if leak := holding(f.tableItems(), secrets...); len(leak) > 0 {
		t.Fatalf("personal data recorded after erasure:\n  %s", strings.Join(leak, "\n  "))
	}

	// Idempotent: the same shape, nothing more removed, the first time kept.
	again, _ := f.erase(apptest.APIKey, company, "er-1", 200)
	if again.State != "erased" || again.ErasedAt != got.ErasedAt || again.Removed.ExportMarker+again.Removed.ActivityMarkers+again.Removed.LinkedInIndex != 0 {
		t.Fatalf("second DELETE = %+v, want erased at %s, nothing removed", again, got.ErasedAt)
	}
	// The other candidate is untouched.
	if keep := f.status("keep-1"); keep.State != "exported" || keep.OpportunityID != keepBefore.OpportunityID {
		t.Fatalf("keep-1 after er-1's erasure: %+v, want %+v", keep, keepBefore)
	}
	f.noDuplicates()
}

// TestEraseQueuedJob: a job queued before the DELETE never exports: the
// exporter's claim returns the tombstone and Decide skips it erased; a
// push queued before it is not written either, and records nothing.
func TestEraseQueuedJob(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("er-p")), 202, "queued")
	f.drain(false)
	opp := f.oneOpp(email("er-p"))
	f.send(noteEvent("er-p", "n-late", "Queued before the erasure"), 202, "queued")
	if got, _ := f.erase(apptest.APIKey, company, "er-p", 200); got.Removed.ExportMarker != 1 {
		t.Fatalf("DELETE er-p = %+v, want the exported marker removed", got)
	}
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("er-q")), 202, "queued")
	if code := f.Do("POST", "/v1/companies/"+company+"/candidates/er-b/export", exportBody("pos-1", cand("er-b")), nil); code != 202 {
		t.Fatalf("Export button: %d", code)
	}
	for _, id := range []string{"er-q", "er-b"} {
		if st := f.status(id); st.State != "queued" {
			t.Fatalf("%s before erasure: %+v, want queued", id, st)
		}
		if got, _ := f.erase(apptest.APIKey, company, id, 200); got.Removed.ExportMarker != 1 {
			t.Fatalf("DELETE %s = %+v, want the queued marker removed", id, got)
		}
	}
	f.drain(false)
	for _, id := range []string{"er-q", "er-b"} {
		if opps := f.oppsOf(email(id)); len(opps) != 0 {
			t.Fatalf("%s was exported after its erasure: %+v", id, opps)
		}
		if st := f.status(id); st.State != "erased" || st.Reason != "erased" {
			t.Fatalf("%s after the queued job ran: %+v, want erased", id, st)
		}
	}
	if n := countContaining(f.noteTexts(opp.ID), "Queued before the erasure"); n != 0 {
		t.Fatalf("the push queued before the erasure was written to Lever (%d notes)", n)
	}
	if leak := holding(f.tableItems(), "n-late", "note:"); len(leak) > 0 {
		t.Fatalf("the discarded push recorded:\n  %s", strings.Join(leak, "\n  "))
	}
	if !strings.Contains(f.Logs.String(), `"reason":"erased"`) {
		t.Errorf("the exporter did not log the erased skip")
	}
}

// TestEraseWaitsForExportInFlight: while an export holds a fresh claim
// (it may be writing to Lever), DELETE answers 409 in_progress with
// Retry-After and changes nothing; once the claim is stale it erases.
func TestEraseWaitsForExportInFlight(t *testing.T) {
	f := setup(t, withShortStale)
	k := exportKey("er-f")
	// The claim is dated 3 s ahead so that it stays fresh (withShortStale:
	// 300 ms) however slowly a loaded machine reaches the DELETE.
	claimedAt := time.Now().Add(3 * time.Second)
	if _, err := f.App.Exports.Claim(context.Background(), k, "held-by-a-job", claimedAt, time.Minute); err != nil {
		t.Fatal(err)
	}
	rec := f.rawErase("er-f")
	if rec.code != 409 || rec.reason != "in_progress" || rec.retryAfter == "" {
		t.Fatalf("DELETE during an export: %+v, want 409 in_progress with Retry-After", rec)
	}
	if st := f.status("er-f"); st.State != "exporting" {
		t.Fatalf("status after the refused DELETE: %+v, want exporting (unchanged)", st)
	}
	time.Sleep(time.Until(claimedAt.Add(400 * time.Millisecond))) // withShortStale: the claim is stale now
	if got, _ := f.erase(apptest.APIKey, company, "er-f", 200); got.Removed.ExportMarker != 1 {
		t.Fatalf("DELETE after the claim went stale = %+v, want erased", got)
	}
}

func exportKey(candidateID string) export.Key {
	return export.Key{CompanyID: company, CandidateID: candidateID}
}

// rawAnswer is an answer's status, error reason and Retry-After header.
type rawAnswer struct {
	code       int
	reason     string
	retryAfter string
}

// rawErase calls DELETE …/candidates/{candidateId} and keeps the headers.
func (f *fixture) rawErase(candidateID string) rawAnswer {
	f.t.Helper()
	req := httptest.NewRequest("DELETE", "/v1/companies/"+company+"/candidates/"+candidateID, nil)
	req.Header.Set("Authorization", "Bearer "+apptest.APIKey)
	rec := httptest.NewRecorder()
	f.API.ServeHTTP(rec, req)
	var e errorAnswer
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	return rawAnswer{code: rec.Code, reason: e.Error.Reason, retryAfter: rec.Header().Get("Retry-After")}
}
