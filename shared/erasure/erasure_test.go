package erasure_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/memstore"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

const linkedin = "https://www.linkedin.com/in/ada-lovelace"

// seeded is a store holding candidate c1 of acme exported with a message,
// a failed note (with a last error) and its history, and its LinkedIn
// entry; plus c10 (an id c1 is a prefix of) and c1 of another company.
func seeded(t *testing.T) *memstore.Exports {
	t.Helper()
	ctx := context.Background()
	s := memstore.NewExports()
	for _, k := range []export.Key{{CompanyID: "acme", CandidateID: "c1"}, {CompanyID: "acme", CandidateID: "c10"}, {CompanyID: "other", CandidateID: "c1"}} {
		if _, err := s.Claim(ctx, k, "cl", t0, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Confirm(ctx, k, "cl", t0, func(m *export.Marker) {
			m.OpportunityID, m.ContactID, m.PositionID, m.LeverURL = "opp-"+k.CandidateID, "con-"+k.CandidateID, "pos-1", "https://hire.lever.co/candidates/opp"
			m.LastError = "Lever: email ada@example.com refused"
		}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"message:m1", "history"} {
			if _, err := s.Record(ctx, export.Key{CompanyID: k.CompanyID, CandidateID: k.CandidateID, ActivityID: a}, t0, "opp-"+k.CandidateID, "", "in_history"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.PutLinkedIn(ctx, k.CompanyID, linkedin+"-"+k.CandidateID, "con-"+k.CandidateID); err != nil {
			t.Fatal(err)
		}
	}
	nk := export.Key{CompanyID: "acme", CandidateID: "c1", ActivityID: "note:n1"}
	if _, err := s.Claim(ctx, nk, "cl", t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, nk, "cl", t0, export.Failed, "lever_rejected", "note body quoted: Dear Ada"); err != nil {
		t.Fatal(err)
	}
	return s
}

func service(s erasure.Store, now time.Time) *erasure.Service {
	return &erasure.Service{Store: s, StaleAfter: 2 * time.Minute, Now: func() time.Time { return now }}
}

// intact fails unless the untouched candidates still hold all they had.
func intact(t *testing.T, s *memstore.Exports) {
	t.Helper()
	ctx := context.Background()
	for _, k := range []export.Key{{CompanyID: "acme", CandidateID: "c10"}, {CompanyID: "other", CandidateID: "c1"}} {
		ms, err := s.CandidateMarkers(ctx, k.CompanyID, k.CandidateID)
		if err != nil || len(ms) != 3 {
			t.Fatalf("markers of %v: %d %v, want 3 untouched", k, len(ms), err)
		}
		if id, err := s.ContactByLinkedIn(ctx, k.CompanyID, linkedin+"-"+k.CandidateID); err != nil || id != "con-"+k.CandidateID {
			t.Fatalf("LinkedIn entry of %v: %q %v, want kept", k, id, err)
		}
	}
}

func TestErase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := seeded(t)
	rep, err := service(s, t0.Add(time.Hour)).Erase(ctx, "acme", "c1")
	if err != nil {
		t.Fatal(err)
	}
	want := erasure.Report{CandidateID: "c1", State: "erased", ErasedAt: t0.Add(time.Hour),
		Removed: erasure.Removed{ExportMarker: 1, ActivityMarkers: 3, LinkedInIndex: 1}}
	if rep != want {
		t.Fatalf("Erase = %+v, want %+v", rep, want)
	}
	ms, err := s.CandidateMarkers(ctx, "acme", "c1")
	if err != nil {
		t.Fatal(err)
	}
	wantTomb := export.Marker{Key: export.Key{CompanyID: "acme", CandidateID: "c1"}, State: export.Erased,
		OpportunityID: "opp-c1", ContactID: "con-c1", UpdatedAt: t0.Add(time.Hour), Version: ms[0].Version}
	if len(ms) != 1 || !reflect.DeepEqual(ms[0], wantTomb) {
		t.Fatalf("after Erase the candidate holds %+v, want only the tombstone %+v", ms, wantTomb)
	}
	if _, err := s.ContactByLinkedIn(ctx, "acme", linkedin+"-c1"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("LinkedIn entry after Erase: %v, want NotFound", err)
	}
	intact(t, s)

	// Idempotent: the same shape, nothing more removed, the first time kept.
	again, err := service(s, t0.Add(2*time.Hour)).Erase(ctx, "acme", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if want := (erasure.Report{CandidateID: "c1", State: "erased", ErasedAt: t0.Add(time.Hour)}); again != want {
		t.Fatalf("second Erase = %+v, want %+v", again, want)
	}
}

func TestEraseUnknownCandidateLeavesTombstone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.NewExports()
	rep, err := service(s, t0).Erase(ctx, "acme", "never-seen")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Removed != (erasure.Removed{}) || rep.State != "erased" {
		t.Fatalf("Erase of an unknown candidate = %+v, want nothing removed", rep)
	}
	m, err := s.Get(ctx, export.Key{CompanyID: "acme", CandidateID: "never-seen"})
	if err != nil || m.State != export.Erased {
		t.Fatalf("tombstone: %+v %v, want erased", m, err)
	}
	// The tombstone refuses the claim of a job queued before.
	if _, err := s.Claim(ctx, m.Key, "job", t0.Add(time.Second), time.Minute); apperr.ReasonOf(err) != "erased" {
		t.Fatalf("Claim after Erase: %v, want Conflict erased", err)
	}
}

func TestEraseWaitsForAnExportInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.NewExports()
	k := export.Key{CompanyID: "acme", CandidateID: "c1"}
	if _, err := s.Claim(ctx, k, "job", t0, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		at      time.Time
		reason  string
		retryIn time.Duration
	}{
		{"fresh claim: in_progress", t0.Add(30 * time.Second), "in_progress", 90 * time.Second},
		{"stale claim: erased", t0.Add(3 * time.Minute), "", 0},
	}
	for _, tt := range tests {
		_, err := service(s, tt.at).Erase(ctx, "acme", "c1")
		if got := apperr.ReasonOf(err); got != tt.reason {
			t.Fatalf("%s: Erase error %v, want reason %q", tt.name, err, tt.reason)
		}
		if tt.reason != "" {
			if e := apperr.As(err); e.Code != apperr.Conflict || e.RetryAfter != tt.retryIn {
				t.Fatalf("%s: got %v (retry after %v), want Conflict retry after %v", tt.name, err, e.RetryAfter, tt.retryIn)
			}
			if m, _ := s.Get(ctx, k); m.State != export.Exporting || m.ClaimID != "job" {
				t.Fatalf("%s: the refused Erase changed the marker: %+v", tt.name, m)
			}
		}
	}
	if m, _ := s.Get(ctx, k); m.State != export.Erased {
		t.Fatalf("after the stale claim: %+v, want erased", m)
	}
	// The late job's confirmation is refused: its claim is gone.
	if _, err := s.Confirm(ctx, k, "job", t0.Add(4*time.Minute), nil); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("Confirm after Erase: %v, want Conflict", err)
	}
}

func TestEraseRefusesBadIDs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ co, cand, field string }{{"", "c1", "companyId"}, {"acme", "", "candidateId"}, {"acme", "a#b", "candidateId"}} {
		_, err := service(memstore.NewExports(), t0).Erase(context.Background(), tt.co, tt.cand)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != tt.field {
			t.Errorf("Erase(%q, %q) = %v, want Invalid naming %s", tt.co, tt.cand, err, tt.field)
		}
		err = service(memstore.NewExports(), t0).Anonymise(context.Background(), tt.co, tt.cand)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != tt.field {
			t.Errorf("Anonymise(%q, %q) = %v, want Invalid naming %s", tt.co, tt.cand, err, tt.field)
		}
	}
}

func TestAnonymise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := seeded(t)
	before, _ := s.CandidateMarkers(ctx, "acme", "c1")
	svc := service(s, t0.Add(time.Hour))
	if err := svc.Anonymise(ctx, "acme", "c1"); err != nil {
		t.Fatal(err)
	}
	after, err := s.CandidateMarkers(ctx, "acme", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("Anonymise kept %d markers, want all %d", len(after), len(before))
	}
	byKey := map[export.Key]export.Marker{}
	for _, m := range before {
		byKey[m.Key] = m
	}
	for _, m := range after {
		b := byKey[m.Key]
		if m.LastError != "" {
			t.Errorf("%v still holds lastError %q", m.Key, m.LastError)
		}
		if m.State != b.State || m.OpportunityID != b.OpportunityID || m.ContactID != b.ContactID || m.Reason != b.Reason || m.PositionID != b.PositionID {
			t.Errorf("%v: ids or state changed: %+v, was %+v", m.Key, m, b)
		}
	}
	if _, err := s.ContactByLinkedIn(ctx, "acme", linkedin+"-c1"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("LinkedIn entry after Anonymise: %v, want NotFound", err)
	}
	intact(t, s)
	// Idempotent, and writes nothing the second time.
	if err := svc.Anonymise(ctx, "acme", "c1"); err != nil {
		t.Fatal(err)
	}
	again, _ := s.CandidateMarkers(ctx, "acme", "c1")
	for _, m := range again {
		for _, a := range after {
			if a.Key == m.Key && a.Version != m.Version {
				t.Errorf("second Anonymise rewrote %v", m.Key)
			}
		}
	}
}

func TestTombstoneKeepsIdsOnly(t *testing.T) {
	t.Parallel()
	full := export.Marker{
		Key: export.Key{CompanyID: "acme", CandidateID: "c1"}, State: export.Exported, ClaimID: "x", ClaimedAt: t0, Attempts: 3,
		PositionID: "pos", PostingID: "post", ContactID: "con", OpportunityID: "opp", NoteID: "note", LeverURL: "https://l",
		Origin: "sourced", StageID: "st", Reason: "r", LastError: "e", ExportedAt: t0, UpdatedAt: t0, Version: 7,
		Contains: []string{"message:m1"},
	}
	want := export.Marker{Key: full.Key, State: export.Erased, ContactID: "con", OpportunityID: "opp", UpdatedAt: t0.Add(time.Hour), Version: 7}
	got := erasure.Tombstone(full, t0.Add(time.Hour))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tombstone = %+v, want %+v", got, want)
	}
	if again := erasure.Tombstone(got, t0.Add(2*time.Hour)); !reflect.DeepEqual(again, want) {
		t.Fatalf("Tombstone of a tombstone = %+v, want the first time kept: %+v", again, want)
	}
}
