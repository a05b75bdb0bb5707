package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// ExportStoreContract checks an implementation of export.Store.
func ExportStoreContract(t *testing.T, newStore func(t *testing.T) export.Store) {
	store := newStore(t)
	const stale = 5 * time.Minute
	key := func() export.Key { return export.Key{CompanyID: ID("co"), CandidateID: ID("cand")} }

	t.Run("GetUnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		_, err := store.Get(ctx(t), key())
		wantCode(t, "Get", err, apperr.NotFound)
	})

	t.Run("ClaimConfirmThenAlreadyExported", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		m, err := store.Claim(c, k, "c1", base, stale)
		must(t, "Claim", err)
		if m.Key != k || m.State != export.Exporting || m.ClaimID != "c1" || !m.ClaimedAt.Equal(base) || m.Attempts != 1 {
			t.Fatalf("Claim = %+v, want exporting, claimed by c1 at base, attempt 1", m)
		}
		got, err := store.Get(c, k)
		must(t, "Get", err)
		wantEqual(t, "Get after Claim", got, m)

		at := base.Add(time.Second)
		conf, err := store.Confirm(c, k, "c1", at, func(m *export.Marker) {
			m.ContactID, m.OpportunityID, m.PostingID, m.LeverURL = "ct1", "op1", "post1", "https://hire.lever.co/candidates/op1"
		})
		must(t, "Confirm", err)
		if conf.State != export.Exported || conf.ClaimID != "" || conf.OpportunityID != "op1" || conf.ContactID != "ct1" ||
			!conf.ExportedAt.Equal(at) || conf.Attempts != 1 {
			t.Fatalf("Confirm = %+v, want exported with ids, claim cleared, ExportedAt set", conf)
		}
		got, err = store.Get(c, k)
		must(t, "Get", err)
		wantEqual(t, "Get after Confirm", got, conf)

		for _, claimer := range []string{"c1", "c2"} {
			stored, err := store.Claim(c, k, claimer, at.Add(time.Hour), stale)
			wantReason(t, "Claim of an exported marker", err, "already_exported")
			wantEqual(t, "marker returned with already_exported", stored, conf)
		}
		_, err = store.Confirm(c, k, "c1", at, nil)
		wantCode(t, "Confirm after the claim was cleared", err, apperr.Conflict)
	})

	t.Run("FreshClaimIsInProgressStaleIsReclaimed", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		_, err := store.Claim(c, k, "c1", base, stale)
		must(t, "Claim", err)
		steps := []struct {
			claimer    string
			at         time.Duration
			wantReason string // "" = success
			wantHolder string
			wantTries  int
		}{
			{"c2", time.Minute, "in_progress", "c1", 1},
			{"c1", time.Minute, "in_progress", "c1", 1}, // a fresh claim is not re-entrant
			{"c2", stale, "in_progress", "c1", 1},       // exactly staleAfter old: still fresh
			{"c2", stale + time.Second, "", "c2", 2},
			{"c3", stale + 2*time.Second, "in_progress", "c2", 2},
		}
		for i, s := range steps {
			m, err := store.Claim(c, k, s.claimer, base.Add(s.at), stale)
			what := fmt.Sprintf("step %d: Claim(%s)", i, s.claimer)
			if s.wantReason == "" {
				must(t, what, err)
			} else {
				wantReason(t, what, err, s.wantReason)
			}
			if m.ClaimID != s.wantHolder || m.Attempts != s.wantTries || m.State != export.Exporting {
				t.Fatalf("%s returned %+v, want held by %s after %d attempts", what, m, s.wantHolder, s.wantTries)
			}
		}
		_, err = store.Confirm(c, k, "c1", base.Add(time.Hour), nil)
		wantReason(t, "Confirm by the stale holder", err, "claim_lost")
		wantCode(t, "Release by the stale holder", store.Release(c, k, "c1", base.Add(time.Hour), "x"), apperr.Conflict)
		wantCode(t, "Finish by the stale holder", store.Finish(c, k, "c1", base.Add(time.Hour), export.Failed, "r", "x"), apperr.Conflict)
	})

	t.Run("ReleaseThenReclaim", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		_, err := store.Claim(c, k, "c1", base, stale)
		must(t, "Claim", err)
		must(t, "Release", store.Release(c, k, "c1", base.Add(time.Second), "timeout calling Lever"))
		m, err := store.Get(c, k)
		must(t, "Get", err)
		if m.State != export.Exporting || m.ClaimID != "" || m.LastError != "timeout calling Lever" {
			t.Fatalf("after Release: %+v, want exporting, no holder, lastError recorded", m)
		}
		wantCode(t, "Release again", store.Release(c, k, "c1", base.Add(time.Second), ""), apperr.Conflict)
		m, err = store.Claim(c, k, "c2", base.Add(2*time.Second), stale)
		must(t, "Claim after Release", err)
		if m.ClaimID != "c2" || m.Attempts != 2 {
			t.Fatalf("Claim after Release = %+v, want held by c2, attempt 2", m)
		}
	})

	t.Run("FinishFailedThenRetry", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		_, err := store.Claim(c, k, "c1", base, stale)
		must(t, "Claim", err)
		wantCode(t, "Finish as exported", store.Finish(c, k, "c1", base, export.Exported, "", ""), apperr.Invalid)
		must(t, "Finish", store.Finish(c, k, "c1", base.Add(time.Second), export.Failed, "lever_rejected", "422 from Lever"))
		m, err := store.Get(c, k)
		must(t, "Get", err)
		if m.State != export.Failed || m.ClaimID != "" || m.Reason != "lever_rejected" || m.LastError != "422 from Lever" {
			t.Fatalf("after Finish: %+v", m)
		}
		m, err = store.Claim(c, k, "c2", base.Add(2*time.Second), stale)
		must(t, "Claim a failed marker", err)
		if m.Attempts != 2 || m.State != export.Exporting {
			t.Fatalf("Claim of a failed marker = %+v, want exporting, attempt 2", m)
		}
	})

	t.Run("SkipPosting", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		fresh, exported := key(), key()
		must(t, "SkipPosting new", store.SkipPosting(c, fresh, base, "posting_closed", "post-7"))
		m, err := store.Get(c, fresh)
		must(t, "Get", err)
		if m.State != export.Skipped || m.Reason != "posting_closed" || m.PostingID != "post-7" || m.PositionID != "" {
			t.Fatalf("after SkipPosting: %+v, want skipped posting_closed on post-7, no position", m)
		}
		_, err = store.Claim(c, exported, "c1", base, stale)
		must(t, "Claim", err)
		want, err := store.Confirm(c, exported, "c1", base, func(m *export.Marker) { m.OpportunityID, m.PostingID = "op", "post-1" })
		must(t, "Confirm", err)
		must(t, "SkipPosting exported", store.SkipPosting(c, exported, base.Add(time.Second), "posting_not_found", "post-2"))
		got, err := store.Get(c, exported)
		must(t, "Get", err)
		wantEqual(t, "SkipPosting does not override exported", got, want)
	})

	t.Run("Skip", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		fresh, exported, claimed := key(), key(), key()
		must(t, "Skip new", store.Skip(c, fresh, base, "not_linked", ""))
		m, err := store.Get(c, fresh)
		must(t, "Get", err)
		if m.State != export.Skipped || m.Reason != "not_linked" || m.Key != fresh {
			t.Fatalf("after Skip: %+v, want skipped not_linked", m)
		}
		must(t, "Skip again", store.Skip(c, fresh, base.Add(time.Second), "no_consent", "pos-9"))
		if m, _ = store.Get(c, fresh); m.Reason != "no_consent" || m.PositionID != "pos-9" {
			t.Fatalf("Skip of a skipped marker: reason %q position %q, want no_consent pos-9", m.Reason, m.PositionID)
		}

		_, err = store.Claim(c, exported, "c1", base, stale)
		must(t, "Claim", err)
		want, err := store.Confirm(c, exported, "c1", base, func(m *export.Marker) { m.OpportunityID = "op" })
		must(t, "Confirm", err)
		must(t, "Skip exported", store.Skip(c, exported, base.Add(time.Second), "not_linked", ""))
		got, err := store.Get(c, exported)
		must(t, "Get", err)
		wantEqual(t, "Skip does not override exported", got, want)

		want, err = store.Claim(c, claimed, "c1", base, stale)
		must(t, "Claim", err)
		must(t, "Skip claimed", store.Skip(c, claimed, base.Add(time.Second), "not_linked", ""))
		got, err = store.Get(c, claimed)
		must(t, "Get", err)
		wantEqual(t, "Skip does not override a claim", got, want)

		m, err = store.Claim(c, fresh, "c9", base.Add(time.Minute), stale)
		must(t, "Claim a skipped marker", err)
		if m.State != export.Exporting || m.Attempts != 1 {
			t.Fatalf("Claim of a skipped marker = %+v, want exporting, attempt 1", m)
		}
	})

	t.Run("ActivityMarkers", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		cand := key()
		act := export.Key{CompanyID: cand.CompanyID, CandidateID: cand.CandidateID, ActivityID: "msg-1"}
		_, err := store.Claim(c, act, "c1", base, stale)
		must(t, "Claim activity", err)
		_, err = store.Get(c, cand)
		wantCode(t, "candidate marker untouched", err, apperr.NotFound)
		m, err := store.Confirm(c, act, "c1", base, func(m *export.Marker) { m.NoteID = "note1" })
		must(t, "Confirm activity", err)
		if m.Key != act || m.NoteID != "note1" || m.State != export.Exported {
			t.Fatalf("Confirm activity = %+v", m)
		}
		_, err = store.Claim(c, act, "c2", base, stale)
		wantReason(t, "Claim exported activity", err, "already_exported")
		must(t, "Finish", func() error {
			other := act
			other.ActivityID = "note-2"
			if _, err := store.Claim(c, other, "c1", base, stale); err != nil {
				return err
			}
			return store.Finish(c, other, "c1", base, export.Failed, "r", "e")
		}())
		ms, _, err := store.List(c, cand.CompanyID, export.Failed, "", 10)
		must(t, "List", err)
		if len(ms) != 0 {
			t.Fatalf("List(failed) = %+v: activity markers must not be listed", ms)
		}
	})

	t.Run("ListFailedNewestFirst", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		// Finished out of candidate order: updatedAt decides, not the id.
		offsets := []int{3, 0, 6, 1, 5, 2, 4}
		want := []string{"cand2", "cand4", "cand6", "cand0", "cand5", "cand3", "cand1"} // newest first
		for i, off := range offsets {
			k := export.Key{CompanyID: co, CandidateID: fmt.Sprintf("cand%d", i)}
			_, err := store.Claim(c, k, "c", base, stale)
			must(t, "Claim", err)
			must(t, "Finish", store.Finish(c, k, "c", base.Add(time.Duration(off)*time.Second), export.Failed, "r", "e"))
		}
		// A marker in another state and one of another company are not listed.
		_, err := store.Claim(c, export.Key{CompanyID: co, CandidateID: "busy"}, "c", base, stale)
		must(t, "Claim", err)
		must(t, "Skip", store.Skip(c, export.Key{CompanyID: ID("co"), CandidateID: "cand0"}, base, "r", ""))

		var got []string
		cursor, pages := "", 0
		for {
			ms, next, err := store.List(c, co, export.Failed, cursor, 3)
			must(t, "List", err)
			if len(ms) > 3 {
				t.Fatalf("page of %d markers, limit 3", len(ms))
			}
			for _, m := range ms {
				if m.State != export.Failed || m.CompanyID != co {
					t.Fatalf("List returned %+v", m)
				}
				got = append(got, m.CandidateID)
			}
			if pages++; pages > 10 {
				t.Fatal("List never ends")
			}
			if next == "" {
				break
			}
			cursor = next
		}
		wantEqual(t, "List(failed) newest first", got, want)
		ms, _, err := store.List(c, co, export.Exporting, "", 10)
		must(t, "List(exporting)", err)
		if len(ms) != 1 || ms[0].CandidateID != "busy" {
			t.Fatalf("List(exporting) = %+v, want the busy candidate", ms)
		}
	})

	t.Run("ConcurrentClaimExactlyOne", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		errs := race(50, func(i int) error {
			_, err := store.Claim(c, k, fmt.Sprintf("c%d", i), base, stale)
			return err
		})
		if n := winners(t, "Claim", errs, apperr.Conflict); n != 1 {
			t.Fatalf("%d of 50 concurrent Claim succeeded, want exactly 1", n)
		}
		for _, err := range errs {
			if err != nil && apperr.ReasonOf(err) != "in_progress" {
				t.Fatalf("losing Claim: %v, want reason in_progress", err)
			}
		}
		m, err := store.Get(c, k)
		must(t, "Get", err)
		if m.Attempts != 1 {
			t.Fatalf("Attempts = %d after one successful claim", m.Attempts)
		}
	})
}

// ContactIndexContract checks an implementation of export.ContactIndex.
func ContactIndexContract(t *testing.T, newIndex func(t *testing.T) export.ContactIndex) {
	idx := newIndex(t)
	const url = "https://www.linkedin.com/in/ada-lovelace"

	t.Run("FirstWriterWins", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		_, err := idx.ContactByLinkedIn(c, co, url)
		wantCode(t, "ContactByLinkedIn unknown", err, apperr.NotFound)
		steps := []struct{ put, want string }{{"ct1", "ct1"}, {"ct2", "ct1"}, {"ct1", "ct1"}}
		for i, s := range steps {
			got, err := idx.PutLinkedIn(c, co, url, s.put)
			must(t, fmt.Sprintf("step %d: PutLinkedIn", i), err)
			wantEqual(t, fmt.Sprintf("step %d: PutLinkedIn(%s)", i, s.put), got, s.want)
		}
		got, err := idx.ContactByLinkedIn(c, co, url)
		must(t, "ContactByLinkedIn", err)
		wantEqual(t, "ContactByLinkedIn", got, "ct1")
		_, err = idx.ContactByLinkedIn(c, ID("co"), url)
		wantCode(t, "another company", err, apperr.NotFound)
	})

	t.Run("ConcurrentPutsAgree", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		got := make([]string, 20)
		errs := race(20, func(i int) (err error) {
			got[i], err = idx.PutLinkedIn(c, co, url, fmt.Sprintf("ct%d", i))
			return err
		})
		if n := winners(t, "PutLinkedIn", errs, ""); n != 20 {
			t.Fatalf("%d of 20 PutLinkedIn succeeded", n)
		}
		for i := range got {
			if got[i] != got[0] {
				t.Fatalf("PutLinkedIn answers differ: %q", got)
			}
		}
	})
}

// RecordContract checks Store.Record: one conditional write that marks an
// activity exported unless it is exported or claimed.
func RecordContract(t *testing.T, newStore func(t *testing.T) export.Store) {
	store := newStore(t)
	c := ctx(t)
	co := ID("co")
	k := func(id string) export.Key { return export.Key{CompanyID: co, CandidateID: "cand", ActivityID: id} }

	wrote, err := store.Record(c, k("message:new"), base, "opp1", "", "in_history")
	must(t, "Record new", err)
	m, err := store.Get(c, k("message:new"))
	must(t, "Get", err)
	if !wrote || m.State != export.Exported || m.OpportunityID != "opp1" || m.Reason != "in_history" {
		t.Fatalf("Record new: wrote %v, marker %+v", wrote, m)
	}
	if wrote, err = store.Record(c, k("message:new"), base, "opp2", "", "again"); err != nil || wrote {
		t.Fatalf("Record of an exported marker: wrote %v err %v, want no write", wrote, err)
	}

	must(t, "Skip", store.Skip(c, k("message:skipped"), base, "not_exported", ""))
	if wrote, err = store.Record(c, k("message:skipped"), base, "opp1", "", "in_history"); err != nil || !wrote {
		t.Fatalf("Record of a skipped marker: wrote %v err %v, want a write", wrote, err)
	}

	_, err = store.Claim(c, k("message:claimed"), "holder", base, time.Minute)
	must(t, "Claim", err)
	if wrote, err = store.Record(c, k("message:claimed"), base, "opp1", "", "in_history"); err != nil || wrote {
		t.Fatalf("Record of a claimed marker: wrote %v err %v, want no write", wrote, err)
	}
	if m, _ = store.Get(c, k("message:claimed")); m.State != export.Exporting || m.ClaimID != "holder" {
		t.Fatalf("Record changed a claimed marker: %+v", m)
	}
}
