package export

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/event"
)

// sendRaw encodes ev as a vendor would (no HTML escaping: '<' stays one
// byte) and signs it.
func (f *fixture) sendRaw(ev map[string]any, wantCode int, wantStatus string) {
	f.t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		f.t.Fatal(err)
	}
	code, out := f.SendRaw(buf.Bytes(), event.Sign(apptest.WebhookSecret, time.Now(), buf.Bytes()))
	if code != wantCode || (wantStatus != "" && out["status"] != wantStatus) {
		f.t.Fatalf("send %s (%d bytes): got %d %v, want %d %q", ev["id"], buf.Len(), code, out, wantCode, wantStatus)
	}
}

// TestEveryValidEventFits: events the contract accepts are exported even
// when their job is larger than an SQS message (JSON escaping makes a
// snapshot full of '<' six times larger; an inline resume at the limit):
// the job goes to S3 and the message carries a reference.
func TestEveryValidEventFits(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	// 900 KB of '<' (9 notes of 100,000, each note body's limit): six
	// times that once JSON-escaped.
	angle := strings.Repeat("<", 100_000)
	var angleNotes []map[string]any
	for i := range 9 {
		angleNotes = append(angleNotes, map[string]any{"id": fmt.Sprintf("n%d", i), "author": "Grace", "createdAt": now(), "body": angle})
	}
	resume := bytes.Repeat([]byte{'%', 'P', 'D', 'F'}, event.MaxInlineResumeBytes/4)
	tests := []struct {
		name, candidate string
		mod             map[string]any
		wantNote        string
		wantFile        int
	}{
		{"900 KB of notes full of '<'", "c-angle", map[string]any{"notes": angleNotes}, angle[:1000], 0},
		{"inline resume at the limit", "c-resume", map[string]any{"resume": map[string]any{"contentBase64": base64.StdEncoding.EncodeToString(resume), "fileName": "cv.pdf", "contentType": "application/pdf"}}, "", len(resume)},
	}
	for _, tt := range tests {
		f.sendRaw(candEvent("candidate.contact_accepted", "pos-1", cand(tt.candidate, tt.mod)), 202, "queued")
	}
	f.drain(false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opp := f.oneOpp(email(tt.candidate))
			if tt.wantNote != "" {
				found := false
				for _, n := range f.noteTexts(opp.ID) {
					found = found || strings.Contains(n, tt.wantNote)
				}
				if !found {
					var lens []int
					for _, n := range f.noteTexts(opp.ID) {
						lens = append(lens, len(n))
					}
					t.Errorf("history note with the '<' body not found on %s (notes of %v bytes)", opp.ID, lens)
				}
			}
			if tt.wantFile > 0 {
				files := f.acct.Files(opp.ID)
				if len(files) != 1 || len(files[0].Data) != tt.wantFile {
					t.Errorf("resume files = %d, want one of %d bytes", len(files), tt.wantFile)
				}
			}
			if st := f.status(tt.candidate); st.State != "exported" {
				t.Errorf("state = %q, want exported", st.State)
			}
		})
	}
	// One over the inline resume limit is refused naming the field.
	big := base64.StdEncoding.EncodeToString(make([]byte, event.MaxInlineResumeBytes+4))
	code, out := f.Send(candEvent("candidate.contact_accepted", "pos-1", cand("c-too-big", map[string]any{"resume": map[string]any{"contentBase64": big, "fileName": "cv.pdf"}})))
	if errObj, _ := out["error"].(map[string]any); code != 400 || errObj["field"] != "data.candidate.resume.contentBase64" {
		t.Errorf("resume over the limit: got %d %v, want 400 naming data.candidate.resume.contentBase64", code, out)
	}
}

// TestLongAndNonASCIIIDs: any id the API accepts (128 characters; any
// Unicode but spaces, '#', '/', '?') is exported: the FIFO group and
// deduplication ids are hashes.
func TestLongAndNonASCIIIDs(t *testing.T) {
	f := setup(t)
	tests := []struct{ name, company, candidate string }{
		{"128-character ids", strings.Repeat("c", 128), strings.Repeat("k", 128)},
		{"non-ASCII ids", "société-ü", "候補者-ß"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			co := url.PathEscape(tt.company)
			if loc := f.Connect(co, nil); loc == nil || loc.Query().Get("status") != "connected" {
				t.Fatalf("connect %q: got %v", tt.company, loc)
			}
			if code := f.Do("POST", "/v1/companies/"+co+"/postings/reload", nil, nil); code != 200 {
				t.Fatalf("reload: %d", code)
			}
			if code := f.Do("PUT", "/v1/companies/"+co+"/links/pos-1", map[string]any{"postingId": f.postings[1].ID}, nil); code != 200 {
				t.Fatalf("link: %d", code)
			}
			c := cand(tt.candidate, map[string]any{"emails": []string{"ids-" + tt.name[:3] + "@example.com"}})
			ev := candEvent("candidate.contact_accepted", "pos-1", c)
			ev["companyId"] = tt.company
			f.send(ev, 202, "queued")
			f.drain(false)
			if opps := f.oppsOf("ids-" + tt.name[:3] + "@example.com"); len(opps) != 1 {
				t.Fatalf("opportunities: got %d, want 1\n%s", len(opps), f.Logs.String())
			}
			var st statusView
			if code := f.Do("GET", "/v1/companies/"+co+"/candidates/"+url.PathEscape(tt.candidate)+"/export", nil, &st); code != 200 || st.State != "exported" {
				t.Errorf("status: %d %+v, want exported", code, st)
			}
		})
	}
}

// TestErasureDeletesStoredSnapshots: the snapshot of a queued job too large
// for a message is stored aside (S3); erasing the candidate before the job
// runs deletes it (removed.queuedPayloads), and the job is then discarded
// when received: nothing exported, nothing failed, nothing dead-lettered.
func TestErasureDeletesStoredSnapshots(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	big := strings.Repeat("<", 100_000)
	var notes []map[string]any
	for i := range 3 { // 300 KB of '<', 1.8 MB once JSON-escaped: over a message
		notes = append(notes, map[string]any{"id": fmt.Sprintf("n%d", i), "author": "Grace", "createdAt": now(), "body": big})
	}
	f.sendRaw(candEvent("candidate.contact_accepted", "pos-1", cand("er-big", map[string]any{"notes": notes})), 202, "queued")
	got, _ := f.erase(apptest.APIKey, company, "er-big", 200)
	if got.Removed.QueuedPayloads != 1 {
		t.Fatalf("removed = %+v, want the one stored snapshot", got.Removed)
	}
	f.drain(false)
	if n := len(f.oppsOf(email("er-big"))); n != 0 {
		t.Errorf("opportunities of the erased candidate: %d", n)
	}
	if st := f.status("er-big"); st.State != "erased" {
		t.Errorf("status = %+v, want erased", st)
	}
	if msgs, err := f.DLQ.Receive(t.Context(), 10, 0, 0); err != nil || len(msgs) != 0 {
		t.Errorf("DLQ: %d messages (%v), want none", len(msgs), err)
	}
}
