package export

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestRetryFailedExport: Lever rejects an export → failed with the reason
// and a safe lastError, listed in GET /exports?state=failed; POST
// /exports/{id}/retry (right away, in the same minute) exports it.
func TestRetryFailedExport(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.Fake.FailNext("POST /opportunities", 1, leverfake.Failure{Kind: leverfake.KindError, Status: 400, Code: "BadRequestError", Message: "Invalid email"})
	if code := f.Do("POST", "/v1/companies/"+company+"/candidates/r-1/export", exportBody("pos-1", cand("r-1")), nil); code != 202 {
		t.Fatalf("Export button: %d", code)
	}
	f.drain(false)
	// The failed marker keeps the position its job was queued for.
	st := f.status("r-1")
	if st.State != "failed" || !st.Exportable || st.Reason != "lever_rejected" || !strings.Contains(st.LastError, "Invalid email") || st.Attempts != 1 || st.PositionID != "pos-1" {
		t.Errorf("status after rejection: got %+v, want failed lever_rejected, exportable, with Lever's error as lastError", st)
	}
	var list struct {
		Exports    []statusView `json:"exports"`
		NextCursor string       `json:"nextCursor"`
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/exports?state=failed", nil, &list); code != 200 ||
		len(list.Exports) != 1 || list.Exports[0].CandidateID != "r-1" || list.Exports[0].Reason != "lever_rejected" {
		t.Fatalf("failed list: %d %+v", code, list)
	}

	var v statusView
	if code := f.Do("POST", "/v1/companies/"+company+"/exports/r-1/retry", exportBody("", cand("r-1")), &v); code != 202 || v.State != "queued" || v.PositionID != "pos-1" {
		t.Fatalf("retry: got %d %+v, want 202 queued", code, v)
	}
	f.drain(false)
	o := f.oneOpp(email("r-1"))
	if st := f.status("r-1"); st.State != "exported" || st.LeverURL != o.URLs.Show || st.LastError != "" {
		t.Errorf("status after retry: %+v", st)
	}
	var e errorAnswer
	if code := f.Do("POST", "/v1/companies/"+company+"/exports/r-1/retry", exportBody("", cand("r-1")), &e); code != 409 {
		t.Errorf("retry of an exported candidate: got %d %+v, want 409", code, e)
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/exports?state=failed", nil, &list); code != 200 || len(list.Exports) != 0 {
		t.Errorf("failed list after retry: %d %+v, want empty", code, list)
	}
}

// TestWebhookContract: signature, size, validation, replay and skip answers
// of POST /v1/events.
func TestWebhookContract(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	valid := func() map[string]any { return candEvent("candidate.contact_accepted", "pos-1", cand("w-1")) }
	sign := func(b []byte) string { return event.Sign(apptest.WebhookSecret, time.Now(), b) }
	mustJSON := func(v any) []byte { b, _ := json.Marshal(v); return b }

	big := valid()
	big["data"].(map[string]any)["candidate"].(map[string]any)["headline"] = strings.Repeat("x", httpapi.MaxBody)
	unknown := valid()
	unknown["type"] = "candidate.hired"
	badEmail := valid()
	badEmail["data"].(map[string]any)["candidate"].(map[string]any)["emails"] = []string{"a@example.com", "not-an-email"}
	otherCompany := valid()
	otherCompany["companyId"] = "globex"
	unlinked := candEvent("candidate.contact_accepted", "pos-404", cand("w-2"))
	replay := valid()

	for _, tc := range []struct {
		name       string
		body       []byte
		sig        func([]byte) string
		wantCode   int
		wantField  string // error field
		wantReason string // error or outcome reason
		wantStatus string // outcome status
		wantIn     []string
	}{
		{name: "bad signature", body: mustJSON(valid()), sig: func(b []byte) string { return event.Sign("wrong-secret", time.Now(), b) }, wantCode: 401, wantReason: "signature_mismatch"},
		{name: "missing signature", body: mustJSON(valid()), sig: func([]byte) string { return "" }, wantCode: 401, wantReason: "missing_signature"},
		{name: "stale signature", body: mustJSON(valid()), sig: func(b []byte) string { return event.Sign(apptest.WebhookSecret, time.Now().Add(-10*time.Minute), b) }, wantCode: 401, wantReason: "timestamp_out_of_tolerance"},
		{name: "body over the 5 MiB limit", body: mustJSON(big), sig: sign, wantCode: 400, wantField: "body"},
		{name: "unknown type", body: mustJSON(unknown), sig: sign, wantCode: 400, wantField: "type", wantIn: []string{"candidate.contact_accepted", "message.created", "note.created"}},
		{name: "malformed field", body: mustJSON(badEmail), sig: sign, wantCode: 400, wantField: "data.candidate.emails[1]"},
		{name: "not connected company", body: mustJSON(otherCompany), sig: sign, wantCode: 202, wantStatus: "skipped", wantReason: "not_connected"},
		{name: "unlinked position", body: mustJSON(unlinked), sig: sign, wantCode: 202, wantStatus: "skipped", wantReason: "position_not_linked"},
		{name: "first delivery", body: mustJSON(replay), sig: sign, wantCode: 202, wantStatus: "queued"},
		{name: "replayed event id", body: mustJSON(replay), sig: sign, wantCode: 200, wantStatus: "duplicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := f.SendRaw(tc.body, tc.sig(tc.body))
			if code != tc.wantCode {
				t.Fatalf("status: got %d %v, want %d", code, out, tc.wantCode)
			}
			if tc.wantStatus != "" {
				if out["status"] != tc.wantStatus || (tc.wantReason != "" && out["reason"] != tc.wantReason) {
					t.Errorf("outcome: got %v, want %s %s", out, tc.wantStatus, tc.wantReason)
				}
				return
			}
			e, _ := out["error"].(map[string]any)
			if e == nil {
				t.Fatalf("answer: got %v, want an error envelope", out)
			}
			if tc.wantField != "" && e["field"] != tc.wantField {
				t.Errorf("error field: got %v, want %s", e, tc.wantField)
			}
			if tc.wantReason != "" && e["reason"] != tc.wantReason {
				t.Errorf("error reason: got %v, want %s", e, tc.wantReason)
			}
			for _, s := range tc.wantIn {
				if msg, _ := e["message"].(string); !strings.Contains(msg, s) {
					t.Errorf("error message %q lacks %q", msg, s)
				}
			}
		})
	}
	f.drain(false)
	if got := len(f.acct.Opportunities()); got != 1 {
		t.Errorf("opportunities: got %d, want 1 (only the valid, first delivery)", got)
	}
}
