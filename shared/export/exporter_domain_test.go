package export_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/settings"
)

const createOpp = "POST /opportunities"

// TestExport runs export jobs: claim, look in Lever, create or adopt,
// confirm; and how each failure settles the marker.
func TestExport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// prepare sets the world up and returns the job to run.
		prepare func(t *testing.T, e *env) export.Job
		runs    []apperr.Code // the code each run returns ("" for nil)

		wantState   export.State
		wantReason  string
		wantOpps    int // opportunities in Lever after the runs
		wantCreates int // POST /opportunities requests, including prepare's
		check       func(t *testing.T, e *env, m export.Marker)
	}{
		{
			name:    "claims, creates on the linked posting and confirms",
			prepare: func(t *testing.T, e *env) export.Job { return exportJob(cand("c-1"), "pos-1") },
			runs:    []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				o := e.oppOf(t, m.OpportunityID)
				if m.ContactID != o.Contact || m.PostingID != e.postings[0].ID || m.PositionID != "pos-1" || m.LeverURL == "" || m.ClaimID != "" || m.Attempts != 1 {
					t.Errorf("marker %+v, want contact %s, posting %s, position pos-1, a Lever URL, no claim, 1 attempt", m, o.Contact, e.postings[0].ID)
				}
				if len(o.Postings) != 1 || o.Postings[0] != e.postings[0].ID || o.Origin != lever.OriginSourced {
					t.Errorf("opportunity postings %v origin %q, want [%s] sourced", o.Postings, o.Origin, e.postings[0].ID)
				}
				if len(o.Sources) != 1 || o.Sources[0] != source {
					t.Errorf("sources %v, want [%s]", o.Sources, source)
				}
			},
		},
		{
			name:    "never twice: a second run of the job writes nothing",
			prepare: func(t *testing.T, e *env) export.Job { return exportJob(cand("c-1"), "pos-1") },
			runs:    []apperr.Code{"", ""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
		},
		{
			name: "never twice: a later job for another position keeps the first export",
			prepare: func(t *testing.T, e *env) export.Job {
				e.link(t, "pos-2", e.postings[1].ID, "contact_accepted")
				if err := e.x.Run(context.Background(), exportJob(cand("c-1"), "pos-1")); err != nil {
					t.Fatal(err)
				}
				return exportJob(cand("c-1"), "pos-2")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.PostingID != e.postings[0].ID {
					t.Errorf("posting %s, want the first export's %s", m.PostingID, e.postings[0].ID)
				}
			},
		},
		{
			name: "a lost answer is adopted on the retry, not created again",
			prepare: func(t *testing.T, e *env) export.Job {
				e.fake.FailNext(createOpp, 1, leverfake.Failure{Kind: leverfake.KindLostResponse})
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{apperr.Transient, ""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.Attempts != 2 || m.OpportunityID != e.opps()[0].ID {
					t.Errorf("marker attempts %d opportunity %s, want 2 and the one in Lever", m.Attempts, m.OpportunityID)
				}
			},
		},
		{
			name: "without email, a retry finds the lost create by the profile URL",
			prepare: func(t *testing.T, e *env) export.Job {
				e.fake.FailNext(createOpp, 1, leverfake.Failure{Kind: leverfake.KindLostResponse})
				c := cand("c-1")
				c.Emails = nil
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{apperr.Transient, ""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
		},
		{
			name: "a stale claim is taken over and the earlier attempt's opportunity adopted",
			prepare: func(t *testing.T, e *env) export.Job {
				c := cand("c-1")
				created := e.earlierAttempt(t, c, time.Now().Add(-10*time.Minute))
				e.want = created.ID
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.OpportunityID != e.want || m.Attempts != 2 {
					t.Errorf("marker opportunity %s attempts %d, want the earlier attempt's %s and 2", m.OpportunityID, m.Attempts, e.want)
				}
			},
		},
		{
			name: "a fresh claim of another attempt: retry later, nothing written",
			prepare: func(t *testing.T, e *env) export.Job {
				if _, err := e.exports.Claim(context.Background(), export.Key{CompanyID: company, CandidateID: "c-1"}, "other", time.Now(), time.Minute); err != nil {
					t.Fatal(err)
				}
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{apperr.Transient}, wantState: export.Exporting, wantOpps: 0, wantCreates: 0,
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.ClaimID != "other" {
					t.Errorf("claim %q, want the other attempt's", m.ClaimID)
				}
			},
		},
		{
			name: "dedupe: an opportunity Lever has on the posting for the email is adopted",
			prepare: func(t *testing.T, e *env) export.Job {
				o, err := e.client(t).CreateOpportunity(context.Background(), lever.OpportunityInput{
					Name: "Ada L.", Emails: []string{"C-1@Example.com"}, Postings: []string{e.postings[0].ID}, Stage: "phone-interview",
				})
				if err != nil {
					t.Fatal(err)
				}
				e.want = o.ID
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.OpportunityID != e.want || m.StageID != "phone-interview" {
					t.Errorf("marker opportunity %s stage %q, want the existing %s at its stage phone-interview", m.OpportunityID, m.StageID, e.want)
				}
			},
		},
		{
			name: "an opportunity on another posting is not adopted",
			prepare: func(t *testing.T, e *env) export.Job {
				if _, err := e.client(t).CreateOpportunity(context.Background(), lever.OpportunityInput{
					Name: "Ada L.", Emails: []string{"c-1@example.com"}, Postings: []string{e.postings[1].ID},
				}); err != nil {
					t.Fatal(err)
				}
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 2, wantCreates: 2,
		},
		{
			name: "applied: origin applied, applicant stage",
			prepare: func(t *testing.T, e *env) export.Job {
				j := exportJob(cand("c-1"), "pos-1")
				j.EventType, j.Origin = event.Applied, ""
				return j
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				o := e.oppOf(t, m.OpportunityID)
				if o.Origin != lever.OriginApplied || o.Stage != export.StageApplicant || m.StageID != export.StageApplicant {
					t.Errorf("origin %q stage %q marker stage %q, want applied at %s", o.Origin, o.Stage, m.StageID, export.StageApplicant)
				}
			},
		},
		{
			name: "sourcedBy maps to the Lever user with that email",
			prepare: func(t *testing.T, e *env) export.Job {
				u := e.account.AddUser(leverfake.User{Name: "Rita", Email: "rita@acme.example"})
				e.want = u.ID
				c := cand("c-1")
				c.SourcedBy = &event.Person{Email: "Rita@acme.example"}
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if o := e.oppOf(t, m.OpportunityID); o.Owner != e.want {
					t.Errorf("owner %q, want Rita %q", o.Owner, e.want)
				}
			},
		},
		{
			name: "a deactivated sourcedBy user falls back to the perform-as user",
			prepare: func(t *testing.T, e *env) export.Job {
				u := e.account.AddUser(leverfake.User{Name: "Gone", Email: "gone@acme.example"})
				e.account.DeactivateUser(u.ID)
				e.want = u.ID
				c := cand("c-1")
				c.SourcedBy = &event.Person{Email: "gone@acme.example"}
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if o := e.oppOf(t, m.OpportunityID); o.Owner == e.want {
					t.Errorf("owner is the deactivated user %q", o.Owner)
				}
			},
		},
		{
			name: "an inline resume is attached",
			prepare: func(t *testing.T, e *env) export.Job {
				c := cand("c-1")
				c.Resume = &event.Resume{ContentBase64: base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 cv")), FileName: "cv.pdf", ContentType: "application/pdf"}
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if rs := e.account.Resumes(m.OpportunityID); len(rs) != 1 || string(rs[0].Data) != "%PDF-1.4 cv" {
					t.Errorf("resumes %+v, want the inline cv", rs)
				}
			},
		},
		{
			name: "a resume URL is fetched and attached",
			prepare: func(t *testing.T, e *env) export.Job {
				e.x.Resumes = resumes{data: []byte("%PDF fetched")}
				c := cand("c-1")
				c.Resume = &event.Resume{URL: "https://files.example/cv.pdf", FileName: "cv.pdf"}
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if rs := e.account.Resumes(m.OpportunityID); len(rs) != 1 || string(rs[0].Data) != "%PDF fetched" {
					t.Errorf("resumes %+v, want the fetched cv", rs)
				}
			},
		},
		{
			name: "a resume from a host not allowed: exported without it",
			prepare: func(t *testing.T, e *env) export.Job {
				e.x.Resumes = resumes{err: apperr.InvalidField("candidate.resume.url", "host not allowed")}
				c := cand("c-1")
				c.Resume = &event.Resume{URL: "https://evil.example/cv.pdf"}
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if rs := e.account.Resumes(m.OpportunityID); len(rs) != 0 {
					t.Errorf("resumes %+v, want none", rs)
				}
			},
		},
		{
			name: "a resume download failing for now: retried, nothing created",
			prepare: func(t *testing.T, e *env) export.Job {
				e.x.Resumes = resumes{err: apperr.E(apperr.Transient, "timeout")}
				c := cand("c-1")
				c.Resume = &event.Resume{URL: "https://files.example/cv.pdf"}
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{apperr.Transient}, wantState: export.Exporting, wantOpps: 0, wantCreates: 0,
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.ClaimID != "" || m.LastError == "" {
					t.Errorf("marker claim %q lastError %q, want released with the error", m.ClaimID, m.LastError)
				}
			},
		},
		{
			name: "invalid inline resume: failed invalid_job",
			prepare: func(t *testing.T, e *env) export.Job {
				c := cand("c-1")
				c.Resume = &event.Resume{ContentBase64: "not base64!"}
				return exportJob(c, "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Failed, wantReason: string(export.ReasonInvalidJob), wantOpps: 0, wantCreates: 0,
		},
		{
			name: "Lever refuses the create: failed lever_rejected with the detail",
			prepare: func(t *testing.T, e *env) export.Job {
				e.fake.FailNext(createOpp, 1, leverfake.Failure{Status: 400, Code: "BadRequestError", Message: "bad field"})
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Failed, wantReason: string(export.ReasonLeverRejected), wantOpps: 0, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.LastError == "" || m.ClaimID != "" {
					t.Errorf("marker lastError %q claim %q, want the detail and no claim", m.LastError, m.ClaimID)
				}
			},
		},
		{
			name: "Lever unavailable: retried, claim released",
			prepare: func(t *testing.T, e *env) export.Job {
				e.fake.FailNext(createOpp, 1, leverfake.Failure{Status: 503})
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{apperr.Transient}, wantState: export.Exporting, wantOpps: 0, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.ClaimID != "" || m.LastError == "" {
					t.Errorf("marker claim %q lastError %q, want released with the error", m.ClaimID, m.LastError)
				}
			},
		},
		{
			name: "rate limited: retried",
			prepare: func(t *testing.T, e *env) export.Job {
				e.fake.FailNext(createOpp, 1, leverfake.Failure{Kind: leverfake.KindRateLimited})
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{apperr.RateLimited, ""}, wantState: export.Exported, wantOpps: 1, wantCreates: 2,
		},
		{
			name: "Lever refuses the token: connection revoked, skipped lever_revoked",
			prepare: func(t *testing.T, e *env) export.Job {
				e.account.Revoke()
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Skipped, wantReason: string(export.ReasonLeverRevoked), wantOpps: 0,
			check: func(t *testing.T, e *env, m export.Marker) {
				c, err := e.conns.Get(context.Background(), company)
				if err != nil || c.Status != connection.Revoked {
					t.Errorf("connection %+v, %v; want revoked", c.Status, err)
				}
				// Suspended, not removed: reconnecting the same account
				// restores them.
				if ls, _ := e.links.List(context.Background(), company); len(ls) != 1 {
					t.Errorf("links %v after revocation, want the one link kept", ls)
				}
			},
		},
		{
			name: "tokens unusable: skipped reauth_required, connection left alone",
			prepare: func(t *testing.T, e *env) export.Job {
				e.levers.err = apperr.E(apperr.Unauthorized, "cannot open tokens").WithReason(connection.ReasonReauth)
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Skipped, wantReason: string(export.ReasonReauthRequired), wantOpps: 0,
			check: func(t *testing.T, e *env, m export.Marker) {
				if c, _ := e.conns.Get(context.Background(), company); c.Status != connection.Connected {
					t.Errorf("connection %s, want still connected", c.Status)
				}
			},
		},
		{
			name:    "position not linked: skipped, Lever not called",
			prepare: func(t *testing.T, e *env) export.Job { return exportJob(cand("c-1"), "pos-unlinked") },
			runs:    []apperr.Code{""}, wantState: export.Skipped, wantReason: string(export.ReasonPositionNotLinked),
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.PositionID != "pos-unlinked" || len(e.account.Counters()) != 0 {
					t.Errorf("position %q Lever calls %v, want pos-unlinked and none", m.PositionID, e.account.Counters())
				}
			},
		},
		{
			name: "connection revoked since intake: skipped lever_revoked",
			prepare: func(t *testing.T, e *env) export.Job {
				e.setStatus(t, connection.Revoked)
				return exportJob(cand("c-1"), "pos-1")
			},
			runs: []apperr.Code{""}, wantState: export.Skipped, wantReason: string(export.ReasonLeverRevoked),
		},
		{
			name: "no consent on an automatic job after the consent event: skipped no_consent",
			prepare: func(t *testing.T, e *env) export.Job {
				c := cand("c-1")
				c.Consent = nil
				j := exportJob(c, "pos-1")
				j.EventType = event.FirstMessageSent
				return j
			},
			runs: []apperr.Code{""}, wantState: export.Skipped, wantReason: string(export.ReasonNoConsent),
		},
		{
			name: "an application lands on its posting, still open",
			prepare: func(t *testing.T, e *env) export.Job {
				j := exportJob(cand("c-1"), "")
				j.EventType, j.PostingID, j.Origin = event.Applied, e.postings[1].ID, lever.OriginApplied
				return j
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if o := e.oppOf(t, m.OpportunityID); len(o.Postings) != 1 || o.Postings[0] != e.postings[1].ID || o.Origin != lever.OriginApplied {
					t.Errorf("postings %v origin %q, want [%s] applied", o.Postings, o.Origin, e.postings[1].ID)
				}
			},
		},
		{
			name: "an application's posting closed since intake: skipped posting_closed, nothing created",
			prepare: func(t *testing.T, e *env) export.Job {
				e.cachePosting(t, e.postings[1].ID, "closed")
				j := exportJob(cand("c-1"), "")
				j.EventType, j.PostingID, j.Origin = event.Applied, e.postings[1].ID, lever.OriginApplied
				return j
			},
			runs: []apperr.Code{""}, wantState: export.Skipped, wantReason: string(export.ReasonPostingClosed),
			check: func(t *testing.T, e *env, m export.Marker) {
				if m.PostingID != e.postings[1].ID {
					t.Errorf("skipped marker names posting %q, want %s (the status judges it again)", m.PostingID, e.postings[1].ID)
				}
			},
		},
		{
			name: "a chosen posting closed since the click: skipped posting_closed",
			prepare: func(t *testing.T, e *env) export.Job {
				e.cachePosting(t, e.postings[1].ID, "closed")
				j := exportJob(cand("c-1"), "")
				j.PostingID, j.Manual = e.postings[1].ID, true
				return j
			},
			runs: []apperr.Code{""}, wantState: export.Skipped, wantReason: string(export.ReasonPostingClosed),
		},
		{
			name: "a chosen posting deleted since the click: skipped posting_not_found",
			prepare: func(t *testing.T, e *env) export.Job {
				if err := e.cache.Apply(context.Background(), company, nil, []string{e.postings[1].ID}, time.Now()); err != nil {
					t.Fatal(err)
				}
				j := exportJob(cand("c-1"), "")
				j.PostingID, j.Manual = e.postings[1].ID, true
				return j
			},
			runs: []apperr.Code{""}, wantState: export.Skipped, wantReason: string(export.ReasonPostingNotFound),
		},
		{
			name: "a general opportunity when the company allows it",
			prepare: func(t *testing.T, e *env) export.Job {
				e.companySettings(t, func(s *settings.Settings) { s.AllowGeneralOpportunity = true })
				return exportJob(cand("c-1"), "")
			},
			runs: []apperr.Code{""}, wantState: export.Exported, wantOpps: 1, wantCreates: 1,
			check: func(t *testing.T, e *env, m export.Marker) {
				if o := e.oppOf(t, m.OpportunityID); len(o.Postings) != 0 || m.PostingID != "" {
					t.Errorf("postings %v marker posting %q, want a general opportunity", o.Postings, m.PostingID)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			j := tt.prepare(t, e)
			for i, want := range tt.runs {
				wantCode(t, "run "+string(rune('1'+i)), e.x.Run(context.Background(), j), want)
			}
			m := e.marker(t, j.CandidateID, "")
			if m.State != tt.wantState || m.Reason != tt.wantReason {
				t.Errorf("marker state %q reason %q, want %q %q (lastError %q)", m.State, m.Reason, tt.wantState, tt.wantReason, m.LastError)
			}
			if got := len(e.opps()); got != tt.wantOpps {
				t.Errorf("opportunities in Lever: %d, want %d", got, tt.wantOpps)
			}
			if got := e.account.Calls(createOpp); got != tt.wantCreates {
				t.Errorf("%s requests: %d, want %d", createOpp, got, tt.wantCreates)
			}
			if tt.check != nil {
				tt.check(t, e, m)
			}
		})
	}
}

// earlierAttempt plays an attempt that claimed the candidate at claimedAt,
// created its opportunity in Lever and died before confirming.
func (e *env) earlierAttempt(t *testing.T, c event.Candidate, claimedAt time.Time) lever.Opportunity {
	t.Helper()
	if _, err := e.exports.Claim(context.Background(), export.Key{CompanyID: company, CandidateID: c.ID}, "dead", claimedAt, time.Minute); err != nil {
		t.Fatal(err)
	}
	o, err := e.client(t).CreateOpportunity(context.Background(), lever.OpportunityInput{
		Name: "Ada Lovelace", Emails: c.Emails, Postings: []string{e.postings[0].ID}, Links: []string{c.ProfileURL},
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestExportLinkedInContact: a candidate known only by LinkedIn URL gets one
// Lever contact, recorded in the index, whatever its marketplace ids.
func TestExportLinkedInContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.link(t, "pos-2", e.postings[1].ID, "contact_accepted")
	li := func(id string) event.Candidate {
		c := cand(id)
		c.Emails, c.ProfileURL = nil, ""
		c.LinkedInURL = "https://www.linkedin.com/in/ada-lovelace/"
		return c
	}
	steps := []struct {
		job       export.Job
		wantOpps  int
		sameOppAs string // candidate whose opportunity must be adopted
	}{
		{exportJob(li("c-1"), "pos-1"), 1, ""},
		{exportJob(li("c-2"), "pos-2"), 2, ""},    // same person, another posting: same contact, new opportunity
		{exportJob(li("c-3"), "pos-1"), 2, "c-1"}, // same person, same posting: adopted
	}
	for i, s := range steps {
		if err := e.x.Run(ctx, s.job); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := len(e.opps()); got != s.wantOpps {
			t.Fatalf("step %d: %d opportunities, want %d", i, got, s.wantOpps)
		}
		if s.sameOppAs != "" {
			if got, want := e.marker(t, s.job.CandidateID, "").OpportunityID, e.marker(t, s.sameOppAs, "").OpportunityID; got != want {
				t.Errorf("step %d: opportunity %s, want %s's %s", i, got, s.sameOppAs, want)
			}
		}
	}
	contact := e.marker(t, "c-1", "").ContactID
	for _, o := range e.opps() {
		if o.Contact != contact {
			t.Errorf("opportunity %s has contact %s, want the one contact %s", o.ID, o.Contact, contact)
		}
	}
	got, err := e.exports.ContactByLinkedIn(ctx, company, event.NormalizeLinkedIn("https://www.linkedin.com/in/ada-lovelace/"))
	if err != nil || got != contact {
		t.Errorf("contact index: %q, %v; want %q", got, err, contact)
	}
}
