package export

import (
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestRetriesExhaustedAreVisible: a job Lever keeps refusing with 503 is
// retried until the export queue's last delivery (maxReceiveCount), then
// recorded failed retries_exhausted with the last error, instead of
// staying "exporting" while its message sits in the dead-letter queue; it
// is in the failed list, and POST /exports/{id}/retry exports it once Lever
// is back.
func TestRetriesExhaustedAreVisible(t *testing.T) {
	f := setup(t)
	f.Exports.Visibility = time.Second
	f.link("pos-1", f.postings[0].ID, "")
	f.Fake.FailNext("POST /opportunities", 100, leverfake.Failure{Kind: leverfake.KindError, Status: 503, Code: "ServiceUnavailable", Message: "Lever is down"})
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("x-1")), 202, "queued")
	f.drain(true)

	st := f.status("x-1")
	if st.State != "failed" || st.Reason != "retries_exhausted" || !st.Exportable || st.LastError == "" || st.PositionID != "pos-1" {
		t.Fatalf("status after every delivery failed: got %+v, want failed retries_exhausted, exportable, with the last error", st)
	}
	if st.Attempts < 2 {
		t.Errorf("attempts = %d, want every delivery counted", st.Attempts)
	}
	var list struct {
		Exports []statusView `json:"exports"`
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/exports?state=failed", nil, &list); code != 200 ||
		len(list.Exports) != 1 || list.Exports[0].CandidateID != "x-1" || list.Exports[0].Reason != "retries_exhausted" {
		t.Fatalf("failed list: %d %+v, want x-1 retries_exhausted", code, list)
	}
	if msgs, err := f.DLQ.Receive(t.Context(), 10, 0, 0); err != nil || len(msgs) != 0 {
		t.Errorf("DLQ: %d messages (%v), want none: the failure is recorded instead", len(msgs), err)
	}
	if n := len(f.oppsOf(email("x-1"))); n != 0 {
		t.Fatalf("opportunities while Lever refused: %d", n)
	}

	f.Fake.ClearFaults()
	var v statusView
	if code := f.Do("POST", "/v1/companies/"+company+"/exports/x-1/retry", exportBody("", cand("x-1")), &v); code != 202 || v.State != "queued" {
		t.Fatalf("retry: got %d %+v, want 202 queued", code, v)
	}
	f.drain(false)
	o := f.oneOpp(email("x-1"))
	if st := f.status("x-1"); st.State != "exported" || st.LeverURL != o.URLs.Show || strings.Contains(st.Reason, "retries") {
		t.Errorf("status after retry: %+v", st)
	}
}
