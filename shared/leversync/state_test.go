package leversync_test

import (
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/leversync"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func TestNext(t *testing.T) {
	base := leversync.State{CompanyID: "co", OpportunityID: "o1", CandidateID: "c1", Stage: leversync.Ref{ID: "applicant-new"}, LeverUpdatedAt: t0, Version: 3}
	names := map[string]string{"applicant-new": "New applicant", "offer": "Offer"}
	obs := func(at time.Time, edit func(*leversync.Observation)) leversync.Observation {
		o := leversync.Observation{OpportunityID: "o1", At: at, Stage: leversync.Ref{ID: "applicant-new", Name: "New applicant"}, StageNames: names}
		if edit != nil {
			edit(&o)
		}
		return o
	}
	offer := func(o *leversync.Observation) { o.Stage = leversync.Ref{ID: "offer", Name: "Offer"} }
	tests := []struct {
		name        string
		s           leversync.State
		o           leversync.Observation
		changed     bool
		stage, prev string // ids after
		prevName    string
		archived    bool
		hired       bool
		deleted     bool
	}{
		{"older news is dropped", base, obs(t0.Add(-time.Second), offer), false, "applicant-new", "", "", false, false, false},
		{"stage change; the old stage named from the account's stages", base, obs(t0.Add(time.Second), offer), true, "offer", "applicant-new", "New applicant", false, false, false},
		{"same time, same state: nothing", leversync.State{Stage: leversync.Ref{ID: "applicant-new", Name: "New applicant"}, LeverUpdatedAt: t0, Version: 1}, obs(t0, nil), false, "applicant-new", "", "", false, false, false},
		{"a name learnt is written", base, obs(t0, nil), true, "applicant-new", "", "", false, false, false},
		{"archived as hired", base, obs(t0.Add(time.Second), func(o *leversync.Observation) {
			o.Archived, o.Hired, o.ArchiveReason = true, true, leversync.Ref{ID: "r", Name: "Hired"}
		}), true, "applicant-new", "", "", true, true, false},
		{"deleted", base, obs(t0.Add(time.Second), func(o *leversync.Observation) { o.Deleted = true }), true, "applicant-new", "", "", false, false, true},
		{"nothing after deletion", leversync.State{Deleted: true, LeverUpdatedAt: t0}, obs(t0.Add(time.Hour), offer), false, "", "", "", false, false, true},
		{"nothing after forgetting (candidate erased)", leversync.State{Forgotten: true}, obs(t0.Add(time.Hour), offer), false, "", "", "", false, false, false},
		{"no deletion after forgetting", leversync.State{Forgotten: true}, obs(t0.Add(time.Hour), func(o *leversync.Observation) { o.Deleted = true }), false, "", "", "", false, false, false},
		{"stage unknown at export is learnt, not changed", leversync.State{}, obs(t0, offer), true, "offer", "", "", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := leversync.Next(tt.s, tt.o)
			if changed != tt.changed {
				t.Fatalf("changed = %v, want %v (%+v)", changed, tt.changed, got)
			}
			if got.Stage.ID != tt.stage || got.PrevStage.ID != tt.prev || got.PrevStage.Name != tt.prevName ||
				got.Archived != tt.archived || got.Hired != tt.hired || got.Deleted != tt.deleted {
				t.Errorf("Next = %+v", got)
			}
			if changed && !got.LeverUpdatedAt.Equal(tt.o.At) {
				t.Errorf("LeverUpdatedAt = %v, want the observation's %v", got.LeverUpdatedAt, tt.o.At)
			}
			if !changed && !got.LeverUpdatedAt.Equal(tt.s.LeverUpdatedAt) {
				t.Errorf("unchanged state moved its time")
			}
			if leversync.StageChanged(tt.s, got) != (tt.prev != "") {
				t.Errorf("StageChanged = %v", !(tt.prev != ""))
			}
		})
	}
}

func TestNeedsPoll(t *testing.T) {
	hooks := make([]leversync.Hook, len(leversync.Events))
	for i, e := range leversync.Events {
		hooks[i] = leversync.Hook{ID: e, Event: e}
	}
	tests := []struct {
		name string
		r    leversync.Record
		want bool
	}{
		{"never polled, no webhooks", leversync.Record{}, true},
		{"webhooks missing", leversync.Record{Hooks: hooks[:2], LastDeliveryAt: t0, PolledAt: t0.Add(-time.Minute)}, true},
		{"webhooks silent since the last poll", leversync.Record{Hooks: hooks, LastDeliveryAt: t0.Add(-time.Hour), PolledAt: t0.Add(-time.Minute)}, true},
		{"webhooks delivering", leversync.Record{Hooks: hooks, LastDeliveryAt: t0, PolledAt: t0.Add(-time.Minute)}, false},
		{"webhooks delivering, last poll a period ago", leversync.Record{Hooks: hooks, LastDeliveryAt: t0, PolledAt: t0.Add(-leversync.DefaultPollEvery)}, true},
	}
	for _, tt := range tests {
		if got := tt.r.NeedsPoll(t0, leversync.DefaultPollEvery); got != tt.want {
			t.Errorf("%s: NeedsPoll = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestToTrack(t *testing.T) {
	m := func(st export.State, opp, activity string) *export.Marker {
		return &export.Marker{Key: export.Key{CompanyID: "co", CandidateID: "c", ActivityID: activity}, State: st, OpportunityID: opp}
	}
	tests := []struct {
		name     string
		old, new *export.Marker
		want     bool
	}{
		{"exported", m(export.Exporting, "", ""), m(export.Exported, "o1", ""), true},
		{"exported at first sight", nil, m(export.Exported, "o1", ""), true},
		{"exported again", m(export.Exported, "o1", ""), m(export.Exported, "o1", ""), false},
		{"exported without an opportunity", m(export.Exporting, "", ""), m(export.Exported, "", ""), false},
		{"a push done", m(export.Exporting, "o1", "msg"), m(export.Exported, "o1", "msg"), false},
		{"failed", m(export.Exporting, "", ""), m(export.Failed, "", ""), false},
	}
	for _, tt := range tests {
		if got := leversync.ToTrack(tt.old, *tt.new); got != tt.want {
			t.Errorf("%s: ToTrack = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestForget(t *testing.T) {
	at := t0.Add(time.Hour)
	tests := []struct {
		name    string
		s       leversync.State
		cand    string
		want    leversync.State
		changed bool
	}{
		{"tracked: ids kept, Lever data cleared, version kept for the store",
			leversync.State{CompanyID: "co", OpportunityID: "o1", CandidateID: "c1", Stage: leversync.Ref{ID: "offer", Name: "Offer"},
				PrevStage: leversync.Ref{ID: "new"}, Archived: true, Hired: true, ArchiveReason: leversync.Ref{ID: "r", Name: "Hired"},
				Deleted: true, LeverUpdatedAt: t0, UpdatedAt: t0, Version: 4},
			"c1", leversync.State{CompanyID: "co", OpportunityID: "o1", CandidateID: "c1", Forgotten: true, UpdatedAt: at, Version: 4}, true},
		{"not tracked yet: the tombstone to create",
			leversync.State{}, "c1", leversync.State{CompanyID: "co", OpportunityID: "o1", CandidateID: "c1", Forgotten: true, UpdatedAt: at}, true},
		{"forgotten already: unchanged",
			leversync.State{CompanyID: "co", OpportunityID: "o1", CandidateID: "c1", Forgotten: true, UpdatedAt: t0, Version: 2},
			"c1", leversync.State{CompanyID: "co", OpportunityID: "o1", CandidateID: "c1", Forgotten: true, UpdatedAt: t0, Version: 2}, false},
	}
	for _, tt := range tests {
		got, changed := leversync.Forget(tt.s, "co", "o1", tt.cand, at)
		if got != tt.want || changed != tt.changed {
			t.Errorf("%s: Forget = %+v, %v\nwant %+v, %v", tt.name, got, changed, tt.want, tt.changed)
		}
		if leversync.Erase(&tt.s, got) {
			t.Errorf("%s: forgetting reads as a deletion to anonymise", tt.name)
		}
	}
}
