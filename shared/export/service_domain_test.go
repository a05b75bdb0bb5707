package export_test

import (
	"context"
	"errors"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// exported, failed and skipped run an export job that ends so.
func (e *env) exported(t *testing.T, id, position string) {
	t.Helper()
	if err := e.x.Run(context.Background(), exportJob(cand(id), position)); err != nil {
		t.Fatal(err)
	}
}

func (e *env) failed(t *testing.T, id, position string) {
	t.Helper()
	e.fake.FailNext(createOpp, 1, leverfake.Failure{Status: 400, Code: "BadRequestError", Message: "bad"})
	e.exported(t, id, position)
}

// TestStatus: the candidate's state, whether the Export button applies
// and why not, from the stores as the exporter left them.
func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		prepare  func(t *testing.T, e *env)
		position string

		wantState      string
		wantExportable bool
		wantReason     export.Reason
		wantURL        bool
	}{
		{"never seen, linked position", nil, "pos-1", "not_exported", true, "", false},
		{"never seen, unlinked position", nil, "pos-9", "not_exported", false, export.ReasonPositionNotLinked, false},
		{"never seen, no position", nil, "", "not_exported", false, export.ReasonPositionNotLinked, false},
		{"exported: the Lever URL, not exportable", func(t *testing.T, e *env) { e.exported(t, "c-1", "pos-1") }, "", "exported", false, export.ReasonAlreadyExported, true},
		{"failed: its failure reason, exportable again", func(t *testing.T, e *env) { e.failed(t, "c-1", "pos-1") }, "pos-1", "failed", true, export.ReasonLeverRejected, false},
		{"skipped unlinked, linked since: exportable", func(t *testing.T, e *env) {
			e.exported(t, "c-1", "pos-2")
			e.link(t, "pos-2", e.postings[1].ID, "contact_accepted")
		}, "", "skipped", true, "", false},
		{"revoked since: lever_revoked", func(t *testing.T, e *env) {
			e.exported(t, "c-1", "pos-2")
			e.setStatus(t, connection.Revoked)
		}, "pos-1", "skipped", false, export.ReasonLeverRevoked, false},
		{"reauth required: reauth_required", func(t *testing.T, e *env) { e.setStatus(t, connection.ReauthRequired) }, "pos-1", "not_exported", false, export.ReasonReauthRequired, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.prepare != nil {
				tt.prepare(t, e)
			}
			v, err := e.svc.Status(context.Background(), company, "c-1", tt.position)
			if err != nil {
				t.Fatal(err)
			}
			if v.CandidateID != "c-1" || v.State != tt.wantState || v.Exportable != tt.wantExportable || v.Reason != tt.wantReason || (v.LeverURL != "") != tt.wantURL {
				t.Errorf("status %+v, want state %s exportable %v reason %q Lever URL %v", v, tt.wantState, tt.wantExportable, tt.wantReason, tt.wantURL)
			}
			if tt.wantURL && (v.ExportedAt == nil || v.OpportunityID == "" || v.PostingID != e.postings[0].ID) {
				t.Errorf("exported view %+v lacks its export's time, opportunity or posting", v)
			}
		})
	}
}

// TestRequestExport: the Export button queues a manual job, or answers why
// it cannot.
func TestRequestExport(t *testing.T) {
	t.Parallel()
	noConsent := cand("c-1")
	noConsent.Consent = nil
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env)
		in      export.ExportRequest

		wantCode   apperr.Code
		wantField  string
		wantReason string
		wantQueued string // the position of the queued job ("-" for none)
	}{
		{"queued for the position", nil, export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-1")}, "", "", "", "pos-1"},
		{"candidate id from the path", nil, export.ExportRequest{PositionID: "pos-1", Candidate: func() event.Candidate { c := cand("c-1"); c.ID = ""; return c }()}, "", "", "", "pos-1"},
		{"a skipped export's position is the default", func(t *testing.T, e *env) {
			e.exported(t, "c-1", "pos-2") // skipped: not linked yet
			e.link(t, "pos-2", e.postings[1].ID, "contact_accepted")
		}, export.ExportRequest{Candidate: cand("c-1")}, "", "", "", "pos-2"},
		{"a failed export again, for its position", func(t *testing.T, e *env) { e.failed(t, "c-1", "pos-1") },
			export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-1")}, "", "", "", "pos-1"},
		{"in progress: nothing more queued, the view says in_progress", func(t *testing.T, e *env) {
			if _, err := e.exports.Claim(context.Background(), export.Key{CompanyID: company, CandidateID: "c-1"}, "other", t0, 0); err != nil {
				t.Fatal(err)
			}
		}, export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-1")}, "", "", "in_progress", "-"},
		{"queued: a second click queues nothing", func(t *testing.T, e *env) {
			if _, err := e.svc.RequestExport(context.Background(), company, "c-1", export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-1")}); err != nil {
				t.Fatal(err)
			}
			e.queue.reset()
		}, export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-1")}, "", "", "in_progress", "-"},
		{"already exported: conflict", func(t *testing.T, e *env) { e.exported(t, "c-1", "pos-1") },
			export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-1")}, apperr.Conflict, "", "already_exported", "-"},
		{"not linked: 422 position_not_linked", nil, export.ExportRequest{PositionID: "pos-9", Candidate: cand("c-1")}, apperr.Invalid, "", "position_not_linked", "-"},
		{"no consent in the snapshot: no_consent", nil, export.ExportRequest{PositionID: "pos-1", Candidate: noConsent}, apperr.Invalid, "", "no_consent", "-"},
		{"revoked: lever_revoked", func(t *testing.T, e *env) { e.setStatus(t, connection.Revoked) },
			export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-1")}, apperr.Invalid, "", "lever_revoked", "-"},
		{"another candidate's snapshot", nil, export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-2")}, apperr.Invalid, "candidate.id", "", "-"},
		{"bad snapshot names the field", nil, export.ExportRequest{PositionID: "pos-1", Candidate: func() event.Candidate { c := cand("c-1"); c.Emails = []string{"nope"}; return c }()},
			apperr.Invalid, "candidate.emails[0]", "", "-"},
		{"bad position id", nil, export.ExportRequest{PositionID: "a/b", Candidate: cand("c-1")}, apperr.Invalid, "positionId", "", "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.prepare != nil {
				tt.prepare(t, e)
			}
			v, err := e.svc.RequestExport(context.Background(), company, "c-1", tt.in)
			ae := apperr.As(err)
			if apperr.CodeOf(err) != tt.wantCode || (ae != nil && (ae.Field != tt.wantField || ae.Reason != tt.wantReason)) {
				t.Fatalf("RequestExport error %v, want code %q field %q reason %q", err, tt.wantCode, tt.wantField, tt.wantReason)
			}
			jobs := e.queue.all()
			if tt.wantQueued == "-" {
				if len(jobs) != 0 {
					t.Errorf("queued %v, want nothing", jobs)
				}
				if tt.wantReason != "" && string(v.Reason) != tt.wantReason {
					t.Errorf("view reason %q, want %q", v.Reason, tt.wantReason)
				}
				return
			}
			if v.State != "queued" || v.Reason != export.ReasonInProgress || v.Exportable {
				t.Errorf("view %+v, want queued in_progress", v)
			}
			if len(jobs) != 1 || !jobs[0].Manual || jobs[0].PositionID != tt.wantQueued || jobs[0].Candidate == nil || jobs[0].Candidate.ID != "c-1" {
				t.Fatalf("queued %+v, want one manual job for c-1 on %s", jobs, tt.wantQueued)
			}
			// The queued job exports the candidate.
			if err := e.x.Run(context.Background(), jobs[0]); err != nil {
				t.Fatal(err)
			}
			if m := e.marker(t, "c-1", ""); m.State != export.Exported {
				t.Errorf("after the manual job: %s, want exported", m.State)
			}
		})
	}
}

// TestFailed lists a company's exports in one state with Status's answer.
func TestFailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.failed(t, "c-1", "pos-1")
	e.failed(t, "c-2", "pos-1")
	e.exported(t, "c-3", "pos-1")
	e.exported(t, "c-4", "pos-9") // skipped: not linked
	tests := []struct {
		state    string
		limit    int
		want     map[string]export.Reason // candidate → reason
		wantCode apperr.Code
	}{
		{"failed", 0, map[string]export.Reason{"c-1": export.ReasonLeverRejected, "c-2": export.ReasonLeverRejected}, ""},
		{"exported", 0, map[string]export.Reason{"c-3": export.ReasonAlreadyExported}, ""},
		{"skipped", 500, map[string]export.Reason{"c-4": export.ReasonPositionNotLinked}, ""},
		{"exporting", 10, map[string]export.Reason{}, ""},
		{"lost", 0, nil, apperr.Invalid},
	}
	for _, tt := range tests {
		vs, _, err := e.svc.Failed(ctx, company, tt.state, "", tt.limit)
		wantCode(t, "Failed "+tt.state, err, tt.wantCode)
		if err != nil {
			if apperr.As(err).Field != "state" {
				t.Errorf("Failed %s: error %v, want it to name state", tt.state, err)
			}
			continue
		}
		got := map[string]export.Reason{}
		for _, v := range vs {
			got[v.CandidateID] = v.Reason
			// A failed marker does not record its position, so whether it is
			// exportable is judged for no position (see view): not checked.
			if v.State != tt.state || (tt.state != "failed" && v.Exportable) {
				t.Errorf("Failed %s: %+v, want state %s, not exportable", tt.state, v, tt.state)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("Failed %s: %v, want %v", tt.state, got, tt.want)
		}
		for id, r := range tt.want {
			if got[id] != r {
				t.Errorf("Failed %s: %s reason %q, want %q", tt.state, id, got[id], r)
			}
		}
	}
	// Pages: one at a time, newest first, every failed export once.
	seen := map[string]bool{}
	cursor := ""
	for range 3 {
		vs, next, err := e.svc.Failed(ctx, company, "failed", cursor, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			seen[v.CandidateID] = true
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if len(seen) != 2 {
		t.Errorf("paging failed exports saw %v, want c-1 and c-2", seen)
	}
}

// TestRetry queues failed or skipped exports again, nothing else.
func TestRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		prepare    func(t *testing.T, e *env)
		wantCode   apperr.Code
		wantReason string
	}{
		{"failed: queued", func(t *testing.T, e *env) { e.failed(t, "c-1", "pos-1") }, "", ""},
		{"exported: not_failed", func(t *testing.T, e *env) { e.exported(t, "c-1", "pos-1") }, apperr.Conflict, "not_failed"},
		{"never seen: not_failed", nil, apperr.Conflict, "not_failed"},
		{"skipped: queued", func(t *testing.T, e *env) {
			e.setStatus(t, connection.NotConnected)
			e.exported(t, "c-1", "pos-1")
			e.setStatus(t, connection.Connected)
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.prepare != nil {
				tt.prepare(t, e)
			}
			_, err := e.svc.Retry(context.Background(), company, "c-1", export.ExportRequest{PositionID: "pos-1", Candidate: cand("c-1")})
			wantCode(t, "Retry", err, tt.wantCode)
			if apperr.ReasonOf(err) != tt.wantReason {
				t.Errorf("reason %q, want %q", apperr.ReasonOf(err), tt.wantReason)
			}
			if jobs := e.queue.all(); (len(jobs) == 1) != (tt.wantCode == "") || (len(jobs) == 1 && jobs[0].PositionID != "pos-1") {
				t.Errorf("queued %+v", jobs)
			}
		})
	}
}

// TestReject: a job that can never succeed is visible in the failed list.
func TestReject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, derr := export.DecodeJob([]byte(`{"kind":"export","companyId":"co-1","candidateId":"c-1"}`))
	if apperr.As(derr) == nil || apperr.As(derr).Field != "candidate" {
		t.Fatalf("DecodeJob: %v, want invalid candidate", derr)
	}
	if err := e.x.Reject(ctx, export.Key{CompanyID: company, CandidateID: "c-1"}, derr); err != nil {
		t.Fatal(err)
	}
	m := e.marker(t, "c-1", "")
	if m.State != export.Failed || m.Reason != string(export.ReasonInvalidJob) || m.LastError == "" {
		t.Errorf("marker %+v, want failed invalid_job with the detail", m)
	}
	// A transient cause is not recorded: the job is retried.
	if err := e.x.Reject(ctx, export.Key{CompanyID: company, CandidateID: "c-2"}, errors.New("boom")); err == nil {
		t.Error("Reject of an unknown error: nil, want it returned for a retry")
	}
}
