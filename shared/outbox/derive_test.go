package outbox_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/outbox"
	"github.com/leverlink/leverlink/shared/posting"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func marker(activity string, st export.State, reason string, version int64) *export.Marker {
	return &export.Marker{
		Key:   export.Key{CompanyID: "co1", CandidateID: "cand1", ActivityID: activity},
		State: st, Reason: reason, LastError: "lever_rejected: 422", Version: version,
		PositionID: "pos1", PostingID: "post1", OpportunityID: "opp1", ContactID: "ct1", LeverURL: "https://hire.lever.co/candidates/opp1",
		UpdatedAt: t0,
	}
}

func conn(st connection.Status, version int64) *connection.Connection {
	return &connection.Connection{CompanyID: "co1", Status: st, RevokedReason: map[bool]string{true: "lever_revoked"}[st == connection.Revoked], Version: version, UpdatedAt: t0}
}

func lnk(f link.Flag, version int64) *link.Link {
	return &link.Link{CompanyID: "co1", PositionID: "pos1", PostingID: "post1", Flag: f, Version: version, UpdatedAt: t0.Add(-time.Hour)}
}

// lst is an exported opportunity's Lever state.
func lst(version int64, edit func(*leversync.State)) *leversync.State {
	s := &leversync.State{CompanyID: "co1", CandidateID: "cand1", OpportunityID: "opp1",
		Stage: leversync.Ref{ID: "applicant-new", Name: "New applicant"}, LeverUpdatedAt: t0, Version: version}
	if edit != nil {
		edit(s)
	}
	return s
}

var (
	toOffer = func(s *leversync.State) {
		s.PrevStage, s.Stage = s.Stage, leversync.Ref{ID: "offer", Name: "Offer"}
	}
	archivedUnder = func(s *leversync.State) {
		s.Archived, s.ArchiveReason = true, leversync.Ref{ID: "r1", Name: "Underqualified"}
	}
	hired = func(s *leversync.State) {
		s.Archived, s.Hired, s.ArchiveReason = true, true, leversync.Ref{ID: "r2", Name: "Hired"}
	}
	// forgotten is what the vendor's erasure leaves (leversync.Forget).
	forgotten = func(s *leversync.State) {
		n, _ := leversync.Forget(*s, s.CompanyID, s.OpportunityID, s.CandidateID, t0)
		*s = n
	}
)

func TestDerive(t *testing.T) {
	tests := []struct {
		name     string
		change   outbox.Change
		want     []outbox.Type
		wantData string
	}{
		{"claim is no event", outbox.Change{NewMarker: marker("", export.Exporting, "", 1)}, nil, ""},
		{"exported", outbox.Change{OldMarker: marker("", export.Exporting, "", 1), NewMarker: marker("", export.Exported, "", 2)},
			[]outbox.Type{outbox.ExportSucceeded},
			`{"candidateId":"cand1","positionId":"pos1","postingId":"post1","opportunityId":"opp1","contactId":"ct1","leverUrl":"https://hire.lever.co/candidates/opp1"}`},
		{"exported again (record of ids) is no event", outbox.Change{OldMarker: marker("", export.Exported, "", 2), NewMarker: marker("", export.Exported, "", 3)}, nil, ""},
		{"failed", outbox.Change{OldMarker: marker("", export.Exporting, "", 1), NewMarker: marker("", export.Failed, "lever_rejected", 2)},
			[]outbox.Type{outbox.ExportFailed}, `{"candidateId":"cand1","reason":"lever_rejected","detail":"lever_rejected: 422"}`},
		{"skipped on first sight", outbox.Change{NewMarker: marker("", export.Skipped, "not_linked", 1)},
			[]outbox.Type{outbox.ExportSkipped}, `{"candidateId":"cand1","reason":"not_linked"}`},
		{"skipped again, same reason", outbox.Change{OldMarker: marker("", export.Skipped, "not_linked", 1), NewMarker: marker("", export.Skipped, "not_linked", 2)}, nil, ""},
		{"skipped again, new reason", outbox.Change{OldMarker: marker("", export.Skipped, "not_linked", 1), NewMarker: marker("", export.Skipped, "no_consent", 2)},
			[]outbox.Type{outbox.ExportSkipped}, `{"candidateId":"cand1","reason":"no_consent"}`},
		{"push failed", outbox.Change{OldMarker: marker("msg1", export.Exporting, "", 1), NewMarker: marker("msg1", export.Failed, "lever_rejected", 2)},
			[]outbox.Type{outbox.PushFailed}, `{"candidateId":"cand1","activityId":"msg1","reason":"lever_rejected","detail":"lever_rejected: 422"}`},
		{"push done is no event", outbox.Change{OldMarker: marker("msg1", export.Exporting, "", 1), NewMarker: marker("msg1", export.Exported, "", 2)}, nil, ""},
		{"marker deleted is no event", outbox.Change{OldMarker: marker("", export.Exported, "", 2)}, nil, ""},
		{"connected", outbox.Change{NewConn: conn(connection.Connected, 1)}, []outbox.Type{outbox.ConnectionConnected}, `{"status":"connected"}`},
		{"token refresh is no event", outbox.Change{OldConn: conn(connection.Connected, 1), NewConn: conn(connection.Connected, 2)}, nil, ""},
		{"revoked", outbox.Change{OldConn: conn(connection.Connected, 2), NewConn: conn(connection.Revoked, 3)},
			[]outbox.Type{outbox.ConnectionRevoked}, `{"status":"revoked","reason":"lever_revoked"}`},
		{"suspended (a later state)", outbox.Change{OldConn: conn(connection.Connected, 2), NewConn: conn("suspended", 3)},
			[]outbox.Type{outbox.ConnectionSuspended}, `{"status":"suspended"}`},
		{"perform-as inactive (a later state)", outbox.Change{OldConn: conn(connection.Connected, 2), NewConn: conn("perform_as_inactive", 3)},
			[]outbox.Type{outbox.ConnectionPerformAsInactive}, `{"status":"perform_as_inactive"}`},
		{"disconnected by the vendor is no event", outbox.Change{OldConn: conn(connection.Connected, 2), NewConn: conn(connection.NotConnected, 3)}, nil, ""},
		{"posting closed", outbox.Change{OldLink: lnk("", 1), NewLink: lnk(link.FlagPostingClosed, 2), At: t0},
			[]outbox.Type{outbox.LinkPostingClosed}, `{"positionId":"pos1","postingId":"post1"}`},
		{"posting gone", outbox.Change{OldLink: lnk(link.FlagPostingClosed, 2), NewLink: lnk(link.FlagPostingGone, 3), At: t0},
			[]outbox.Type{outbox.LinkPostingGone}, `{"positionId":"pos1","postingId":"post1"}`},
		{"flag kept is no event", outbox.Change{OldLink: lnk(link.FlagPostingGone, 3), NewLink: lnk(link.FlagPostingGone, 4)}, nil, ""},
		{"flag cleared is no event", outbox.Change{OldLink: lnk(link.FlagPostingGone, 3), NewLink: lnk("", 4)}, nil, ""},
		{"tracking an opportunity is no event", outbox.Change{NewLever: lst(1, nil)}, nil, ""},
		{"stage changed", outbox.Change{OldLever: lst(1, nil), NewLever: lst(2, toOffer)}, []outbox.Type{outbox.CandidateStageChanged},
			`{"candidateId":"cand1","opportunityId":"opp1","from":{"id":"applicant-new","name":"New applicant"},"to":{"id":"offer","name":"Offer"}}`},
		{"stage learnt where none was known is no event",
			outbox.Change{OldLever: lst(1, func(s *leversync.State) { s.Stage = leversync.Ref{} }), NewLever: lst(2, nil)}, nil, ""},
		{"archived", outbox.Change{OldLever: lst(1, nil), NewLever: lst(2, archivedUnder)}, []outbox.Type{outbox.CandidateArchived},
			`{"candidateId":"cand1","opportunityId":"opp1","reason":{"id":"r1","name":"Underqualified"}}`},
		{"hired", outbox.Change{OldLever: lst(1, nil), NewLever: lst(2, hired)}, []outbox.Type{outbox.CandidateHired},
			`{"candidateId":"cand1","opportunityId":"opp1","reason":{"id":"r2","name":"Hired"}}`},
		{"archive reason changed to hired", outbox.Change{OldLever: lst(2, archivedUnder), NewLever: lst(3, hired)}, []outbox.Type{outbox.CandidateHired},
			`{"candidateId":"cand1","opportunityId":"opp1","reason":{"id":"r2","name":"Hired"}}`},
		{"unarchived", outbox.Change{OldLever: lst(2, archivedUnder), NewLever: lst(3, nil)}, []outbox.Type{outbox.CandidateUnarchived},
			`{"candidateId":"cand1","opportunityId":"opp1"}`},
		{"stage and archive at once: stage first", outbox.Change{OldLever: lst(1, nil), NewLever: lst(2, func(s *leversync.State) { toOffer(s); archivedUnder(s) })},
			[]outbox.Type{outbox.CandidateStageChanged, outbox.CandidateArchived},
			`{"candidateId":"cand1","opportunityId":"opp1","from":{"id":"applicant-new","name":"New applicant"},"to":{"id":"offer","name":"Offer"}}`},
		{"deleted", outbox.Change{OldLever: lst(2, archivedUnder), NewLever: lst(3, func(s *leversync.State) { archivedUnder(s); s.Deleted = true })},
			[]outbox.Type{outbox.CandidateDeleted}, `{"candidateId":"cand1","opportunityId":"opp1"}`},
		// The vendor erased the candidate: forgetting is silent, whatever
		// Lever said before (the cleared archive is no unarchive).
		{"forgetting an archived opportunity is no event", outbox.Change{OldLever: lst(2, archivedUnder), NewLever: lst(3, forgotten)}, nil, ""},
		{"forgetting a hired opportunity is no event", outbox.Change{OldLever: lst(2, func(s *leversync.State) { toOffer(s); hired(s) }), NewLever: lst(3, forgotten)}, nil, ""},
		{"forgetting a deleted opportunity is no event", outbox.Change{OldLever: lst(3, func(s *leversync.State) { s.Deleted = true }), NewLever: lst(4, forgotten)}, nil, ""},
		{"forgetting an untracked opportunity is no event", outbox.Change{NewLever: lst(1, forgotten)}, nil, ""},
		{"a name learnt is no event", outbox.Change{OldLever: lst(1, func(s *leversync.State) { s.Stage.Name = "" }), NewLever: lst(2, nil)}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outbox.Derive(tt.change)
			var types []outbox.Type
			for _, e := range got {
				types = append(types, e.Type)
			}
			if !slices.Equal(types, tt.want) {
				t.Fatalf("Derive types = %v, want %v", types, tt.want)
			}
			if len(got) == 0 {
				return
			}
			e := got[0]
			if string(e.Data) != tt.wantData {
				t.Errorf("data = %s, want %s", e.Data, tt.wantData)
			}
			if e.CompanyID != "co1" || !e.OccurredAt.Equal(t0) {
				t.Errorf("company %q occurredAt %v, want co1 at %v", e.CompanyID, e.OccurredAt, t0)
			}
			again := outbox.Derive(tt.change)
			if again[0].ID != e.ID {
				t.Errorf("id not stable: %s then %s", e.ID, again[0].ID)
			}
			if (tt.change.NewMarker != nil || tt.change.NewLever != nil) && e.OrderKey != "cand1" {
				t.Errorf("order key = %q, want the candidate", e.OrderKey)
			}
		})
	}
}

func TestDeriveIDsDifferPerChange(t *testing.T) {
	a := outbox.Derive(outbox.Change{NewMarker: marker("", export.Failed, "lever_rejected", 2)})
	b := outbox.Derive(outbox.Change{OldMarker: marker("", export.Exporting, "", 3), NewMarker: marker("", export.Failed, "lever_rejected", 4)})
	if a[0].ID == b[0].ID {
		t.Fatalf("two failures of one candidate share id %s", a[0].ID)
	}
}

func TestEnvelope(t *testing.T) {
	ev := outbox.Derive(outbox.Change{NewConn: conn(connection.Connected, 1)})[0]
	ev.Sequence = 7
	body, err := ev.Body()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "type", "occurredAt", "companyId", "sequence", "data"} {
		if _, ok := m[k]; !ok {
			t.Errorf("envelope lacks %s: %s", k, body)
		}
	}
	if len(m) != 6 {
		t.Errorf("envelope has %d fields, want exactly 6: %s", len(m), body)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt  int
		rnd      float64
		min, max time.Duration
	}{
		{1, 0, 5 * time.Second, 5 * time.Second},
		{1, 0.999, 5 * time.Second, 10 * time.Second},
		{2, 0.5, 10 * time.Second, 20 * time.Second},
		{5, 0.5, 80 * time.Second, 160 * time.Second},
		{30, 0.999, 30 * time.Minute, time.Hour},
		{1000, 0, 30 * time.Minute, 30 * time.Minute},
	}
	for _, tt := range tests {
		got := outbox.Backoff(tt.attempt, tt.rnd)
		if got < tt.min || got > tt.max {
			t.Errorf("Backoff(%d, %v) = %v, want in [%v, %v]", tt.attempt, tt.rnd, got, tt.min, tt.max)
		}
	}
}

func TestDerivePostings(t *testing.T) {
	stamped := func(typ posting.ChangeType, id string, announced bool) *posting.Posting {
		return &posting.Posting{ID: "post1", Text: "Engineer", State: "published", Announced: announced,
			Last: posting.Stamp{ID: id, Type: typ}}
	}
	tests := []struct {
		name     string
		change   outbox.Change
		want     outbox.Type
		wantData string
	}{
		{"published", outbox.Change{NewPosting: stamped(posting.Published, "pc_1", true)}, outbox.PostingPublished, `"id":"pc_1","type":"posting.published","postingId":"post1","state":"published","posting":{"id":"post1"`},
		{"rewritten without a new change", outbox.Change{OldPosting: stamped(posting.Published, "pc_1", true), NewPosting: stamped(posting.Published, "pc_1", true)}, "", ""},
		{"closed", outbox.Change{OldPosting: stamped(posting.Published, "pc_1", true), NewPosting: stamped(posting.Closed, "pc_2", true)}, outbox.PostingClosed, `"id":"pc_2","type":"posting.closed"`},
		{"announced posting deleted", outbox.Change{OldPosting: stamped(posting.Closed, "pc_2", true)}, outbox.PostingRemoved, `"type":"posting.removed","postingId":"post1"}`},
		{"never announced posting deleted", outbox.Change{OldPosting: stamped("", "", false)}, "", ""},
		{"never announced posting written", outbox.Change{NewPosting: stamped("", "", false)}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change.PostingCompanyID, tt.change.At = "co1", t0
			got := outbox.Derive(tt.change)
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("Derive = %+v, want no event", got)
				}
				return
			}
			if len(got) != 1 || got[0].Type != tt.want || !strings.Contains(string(got[0].Data), tt.wantData) {
				t.Fatalf("Derive = %+v, want one %s with data containing %s", got, tt.want, tt.wantData)
			}
			e := got[0]
			if e.CompanyID != "co1" || e.OrderKey != outbox.PostingOrderKey("post1") || !e.OccurredAt.Equal(t0) {
				t.Errorf("event %+v: want company co1, ordered per posting, at %v", e, t0)
			}
			if again := outbox.Derive(tt.change); again[0].ID != e.ID {
				t.Errorf("id not stable: %s then %s", e.ID, again[0].ID)
			}
		})
	}
}
