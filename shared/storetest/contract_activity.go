package storetest

import (
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// QueuedStateContract checks export.Store.Queue: the queued state (tool issue
// 20, "Queued is a state").
func QueuedStateContract(t *testing.T, newStore func(t *testing.T) export.Store) {
	store := newStore(t)
	const stale = 5 * time.Minute

	t.Run("QueueThenClaim", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := export.Key{CompanyID: ID("co"), CandidateID: ID("cand")}
		qm, wrote, err := store.Queue(c, k, base, "pos-1", "")
		must(t, "Queue", err)
		if !wrote {
			t.Fatal("Queue of a new marker did not write")
		}
		m, err := store.Get(c, k)
		must(t, "Get", err)
		wantEqual(t, "Queue's marker", qm, m)
		if m.State != export.Queued || m.PositionID != "pos-1" || !m.UpdatedAt.Equal(base) || m.ClaimID != "" {
			t.Fatalf("Get after Queue = %+v, want queued for pos-1 at base", m)
		}
		_, wrote, err = store.Queue(c, k, base.Add(time.Second), "", "")
		must(t, "Queue again", err)
		if !wrote {
			t.Fatal("Queue of a queued marker did not write")
		}
		if m, _ := store.Get(c, k); m.PositionID != "pos-1" {
			t.Fatalf("Queue without a position dropped it: %+v", m)
		}
		cl, err := store.Claim(c, k, "c1", base.Add(2*time.Second), stale)
		must(t, "Claim of a queued marker", err)
		if cl.State != export.Exporting || cl.Attempts != 1 {
			t.Fatalf("Claim = %+v, want exporting, attempt 1", cl)
		}
		// Claimed (or exporting): Queue leaves it alone.
		qm, wrote, err = store.Queue(c, k, base.Add(3*time.Second), "pos-2", "")
		must(t, "Queue of a claimed marker", err)
		if wrote {
			t.Fatal("Queue overwrote a claimed marker")
		}
		wantEqual(t, "Queue's refused (claimed) marker", qm, cl)
		must(t, "Finish", store.Finish(c, k, "c1", base.Add(4*time.Second), export.Failed, "lever_rejected", "invalid: no"))
		_, wrote, err = store.Queue(c, k, base.Add(5*time.Second), "", "")
		must(t, "Queue of a failed marker", err)
		m, _ = store.Get(c, k)
		if !wrote || m.State != export.Queued || m.PositionID != "pos-1" || m.Reason != "lever_rejected" {
			t.Fatalf("Queue of a failed marker = %v %+v, want queued keeping position and reason", wrote, m)
		}
		_, err = store.Claim(c, k, "c2", base.Add(6*time.Second), stale)
		must(t, "Claim", err)
		exported, err := store.Confirm(c, k, "c2", base.Add(7*time.Second), nil)
		must(t, "Confirm", err)
		qm, wrote, err = store.Queue(c, k, base.Add(8*time.Second), "", "")
		must(t, "Queue of an exported marker", err)
		if m, _ := store.Get(c, k); wrote || m.State != export.Exported {
			t.Fatalf("Queue of an exported marker = %v %+v, want it left exported", wrote, m)
		}
		wantEqual(t, "Queue's refused (exported) marker", qm, exported)
	})

	t.Run("SkipOverwritesQueued", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := export.Key{CompanyID: ID("co"), CandidateID: ID("cand")}
		_, _, err := store.Queue(c, k, base, "pos-1", "")
		must(t, "Queue", err)
		must(t, "Skip", store.Skip(c, k, base.Add(time.Second), "no_consent", ""))
		if m, _ := store.Get(c, k); m.State != export.Skipped || m.Reason != "no_consent" || m.PositionID != "pos-1" {
			t.Fatalf("Skip of a queued marker = %+v, want skipped no_consent for pos-1", m)
		}
	})

	t.Run("EventIDIsTheReplayMark", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := export.Key{CompanyID: ID("co"), CandidateID: ID("cand")}
		m, wrote, err := store.Queue(c, k, base, "pos-1", "ev-1")
		must(t, "Queue ev-1", err)
		if !wrote || m.LastEventID != "ev-1" {
			t.Fatalf("Queue ev-1 = %v %+v, want written with lastEventId ev-1", wrote, m)
		}
		// The same event again: refused, nothing written.
		stored, wrote, err := store.Queue(c, k, base.Add(time.Second), "pos-2", "ev-1")
		wantReason(t, "Queue of a replay", err, "replay")
		wantCode(t, "Queue of a replay", err, apperr.Conflict)
		if wrote {
			t.Fatal("Queue of a replay wrote")
		}
		wantEqual(t, "Queue's refused (replay) marker", stored, m)
		if got, _ := store.Get(c, k); got.Version != m.Version || got.PositionID != "pos-1" {
			t.Fatalf("after a refused replay = %+v, want unchanged %+v", got, m)
		}
		// Without an event id: written, the event id kept.
		m, wrote, err = store.Queue(c, k, base.Add(2*time.Second), "", "")
		must(t, "Queue without event id", err)
		if !wrote || m.LastEventID != "ev-1" {
			t.Fatalf("Queue without event id = %v %+v, want written keeping lastEventId ev-1", wrote, m)
		}
		// Another event: written, its id replaces the first.
		m, wrote, err = store.Queue(c, k, base.Add(3*time.Second), "", "ev-2")
		must(t, "Queue ev-2", err)
		if !wrote || m.LastEventID != "ev-2" {
			t.Fatalf("Queue ev-2 = %v %+v, want written with lastEventId ev-2", wrote, m)
		}
		// ForgetEvent of another id changes nothing; of the id, removes it.
		must(t, "ForgetEvent ev-1", store.ForgetEvent(c, k, "ev-1"))
		if got, _ := store.Get(c, k); got.LastEventID != "ev-2" || got.Version != m.Version {
			t.Fatalf("ForgetEvent of another id changed the marker: %+v", got)
		}
		must(t, "ForgetEvent ev-2", store.ForgetEvent(c, k, "ev-2"))
		got, err := store.Get(c, k)
		must(t, "Get", err)
		if got.LastEventID != "" || got.State != export.Queued || got.PositionID != "pos-1" {
			t.Fatalf("after ForgetEvent = %+v, want queued for pos-1 without event id", got)
		}
		must(t, "ForgetEvent again", store.ForgetEvent(c, k, "ev-2"))
		must(t, "ForgetEvent of a missing marker", store.ForgetEvent(c, export.Key{CompanyID: ID("co"), CandidateID: ID("cand")}, "ev-2"))
		// The retry after the undo is processed.
		if _, wrote, err = store.Queue(c, k, base.Add(4*time.Second), "", "ev-2"); err != nil || !wrote {
			t.Fatalf("Queue of ev-2 after ForgetEvent = %v, %v; want written", wrote, err)
		}
		// An exported marker that carries the event: a replay, not a refusal by state.
		cl, err := store.Claim(c, k, "c1", base.Add(5*time.Second), stale)
		must(t, "Claim", err)
		if cl.LastEventID != "ev-2" {
			t.Fatalf("Claim dropped lastEventId: %+v", cl)
		}
		exported, err := store.Confirm(c, k, "c1", base.Add(6*time.Second), nil)
		must(t, "Confirm", err)
		if exported.LastEventID != "ev-2" {
			t.Fatalf("Confirm dropped lastEventId: %+v", exported)
		}
		stored, _, err = store.Queue(c, k, base.Add(7*time.Second), "", "ev-2")
		wantReason(t, "Queue of a replay after the export", err, "replay")
		wantEqual(t, "Queue's refused (replay, exported) marker", stored, exported)
		// An older event superseded by ev-2: refused by the state only.
		stored, wrote, err = store.Queue(c, k, base.Add(8*time.Second), "", "ev-1")
		must(t, "Queue of a superseded event after the export", err)
		if wrote || stored.State != export.Exported {
			t.Fatalf("Queue of a superseded event = %v %+v, want left exported", wrote, stored)
		}
	})

	t.Run("ConcurrentQueueOfOneEventWritesOnce", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := export.Key{CompanyID: ID("co"), CandidateID: ID("cand")}
		const n = 8
		wrote := make([]bool, n)
		errs := race(n, func(i int) error {
			var err error
			_, wrote[i], err = store.Queue(c, k, base, "pos-1", "ev-1")
			return err
		})
		if got := winners(t, "concurrent Queue of one event", errs, apperr.Conflict); got != 1 {
			t.Fatalf("%d concurrent Queue calls of one event succeeded, want exactly 1", got)
		}
		for i, err := range errs {
			if (err == nil) != wrote[i] {
				t.Errorf("call %d: wrote %v with error %v", i, wrote[i], err)
			}
		}
		m, err := store.Get(c, k)
		must(t, "Get", err)
		if m.Version != 1 || m.LastEventID != "ev-1" {
			t.Fatalf("after concurrent Queue = %+v, want one write (version 1) of ev-1", m)
		}
	})
}

// ActivityStore is what ActivityStoreContract needs.
type ActivityStore interface {
	export.Store
	export.ActivityStore
}

// ActivityStoreContract checks export.ActivityStore: activity markers are
// listed while queued, failed or skipped, and no longer once pushed.
func ActivityStoreContract(t *testing.T, newStore func(t *testing.T) ActivityStore) {
	store := newStore(t)
	const stale = 5 * time.Minute

	t.Run("ListAndCandidateActivities", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		failed := export.Key{CompanyID: co, CandidateID: "cand1", ActivityID: "note:n1"}
		failed2 := export.Key{CompanyID: co, CandidateID: "cand2", ActivityID: "message:m1"}
		skipped := export.Key{CompanyID: co, CandidateID: "cand1", ActivityID: "message:m2"}
		pushed := export.Key{CompanyID: co, CandidateID: "cand1", ActivityID: "note:n3"}
		for i, k := range []export.Key{failed, failed2} {
			_, err := store.Claim(c, k, "c", base, stale)
			must(t, "Claim", err)
			must(t, "Finish", store.Finish(c, k, "c", base.Add(time.Duration(i+1)*time.Second), export.Failed, "lever_rejected", "invalid: refused"))
		}
		must(t, "Skip", store.Skip(c, skipped, base.Add(3*time.Second), "not_exported", ""))
		_, err := store.Claim(c, pushed, "c", base, stale)
		must(t, "Claim", err)
		_, err = store.Confirm(c, pushed, "c", base.Add(4*time.Second), nil)
		must(t, "Confirm", err)
		// A candidate export marker is not an activity.
		must(t, "Skip", store.Skip(c, export.Key{CompanyID: co, CandidateID: "cand1"}, base, "no_consent", ""))

		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			ms, next, err := store.ListActivities(c, co, export.Failed, cursor, 1)
			must(t, "ListActivities", err)
			for _, m := range ms {
				if m.State != export.Failed || m.Reason != "lever_rejected" || m.LastError == "" {
					t.Fatalf("ListActivities(failed) returned %+v", m)
				}
				got = append(got, m.CandidateID+"/"+m.ActivityID)
			}
			if next == "" || pages > 5 {
				break
			}
			cursor = next
		}
		wantEqual(t, "ListActivities(failed) newest first", got, []string{"cand2/message:m1", "cand1/note:n1"})

		ms, _, err := store.ListActivities(c, co, export.Skipped, "", 10)
		must(t, "ListActivities(skipped)", err)
		if len(ms) != 1 || ms[0].Key != skipped {
			t.Fatalf("ListActivities(skipped) = %+v, want %v", ms, skipped)
		}
		_, _, err = store.ListActivities(c, co, export.Exported, "", 10)
		wantCode(t, "ListActivities(exported)", err, apperr.Invalid)

		ms, err = store.CandidateActivities(c, co, "cand1", 10)
		must(t, "CandidateActivities", err)
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.ActivityID)
		}
		wantEqual(t, "CandidateActivities newest first, pushed left out", ids, []string{"message:m2", "note:n1"})

		// Retried and pushed: no longer listed.
		_, _, err = store.Queue(c, failed, base.Add(5*time.Second), "", "")
		must(t, "Queue", err)
		ms, _, err = store.ListActivities(c, co, export.Queued, "", 10)
		must(t, "ListActivities(queued)", err)
		if len(ms) != 1 || ms[0].Key != failed {
			t.Fatalf("ListActivities(queued) = %+v, want %v", ms, failed)
		}
		_, err = store.Claim(c, failed, "r", base.Add(6*time.Second), stale)
		must(t, "Claim", err)
		_, err = store.Confirm(c, failed, "r", base.Add(7*time.Second), nil)
		must(t, "Confirm", err)
		for _, st := range []export.State{export.Failed, export.Queued} {
			ms, _, err = store.ListActivities(c, co, st, "", 10)
			must(t, "ListActivities", err)
			for _, m := range ms {
				if m.Key == failed {
					t.Fatalf("ListActivities(%s) still lists the pushed activity: %+v", st, m)
				}
			}
		}
	})
}
