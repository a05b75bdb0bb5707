package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
)

// ClaimContainingContract checks Store.ClaimContaining: the activities a
// note contains are recorded by its claim, kept by Confirm, Release,
// Finish and a plain Claim, replaced by the next ClaimContaining, returned
// with a refused claim, and the largest accepted list fits the store.
func ClaimContainingContract(t *testing.T, newStore func(t *testing.T) export.Store) {
	store := newStore(t)
	const stale = 5 * time.Minute
	key := func() export.Key {
		return export.Key{CompanyID: ID("co"), CandidateID: ID("cand"), ActivityID: "history"}
	}

	t.Run("RecordedByTheClaimKeptAfter", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		ids := []string{"message:m1", "note:n1"}
		m, err := store.ClaimContaining(c, k, "c1", base, stale, ids)
		must(t, "ClaimContaining", err)
		if m.State != export.Exporting || m.ClaimID != "c1" || m.Attempts != 1 {
			t.Fatalf("ClaimContaining = %+v, want exporting, claimed by c1, attempt 1", m)
		}
		wantEqual(t, "contains after the claim", m.Contains, ids)
		got, err := store.Get(c, k)
		must(t, "Get", err)
		wantEqual(t, "Get after ClaimContaining", got, m)

		// Released (outcome unknown), reclaimed by a plain Claim: kept.
		must(t, "Release", store.Release(c, k, "c1", base.Add(time.Second), "timeout"))
		m, err = store.Claim(c, k, "c2", base.Add(2*time.Second), stale)
		must(t, "Claim", err)
		wantEqual(t, "contains after Release and Claim", m.Contains, ids)

		conf, err := store.Confirm(c, k, "c2", base.Add(3*time.Second), func(m *export.Marker) { m.NoteID = "note1" })
		must(t, "Confirm", err)
		wantEqual(t, "contains after Confirm", conf.Contains, ids)
		got, err = store.Get(c, k)
		must(t, "Get", err)
		wantEqual(t, "Get after Confirm", got, conf)

		stored, err := store.ClaimContaining(c, k, "c3", base.Add(time.Hour), stale, []string{"message:other"})
		wantReason(t, "ClaimContaining of an exported marker", err, "already_exported")
		wantEqual(t, "marker returned with already_exported", stored, conf)
	})

	t.Run("ReplacedByTheNextClaimContaining", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		_, err := store.ClaimContaining(c, k, "c1", base, stale, []string{"message:m1", "message:m2"})
		must(t, "ClaimContaining", err)
		must(t, "Finish", store.Finish(c, k, "c1", base.Add(time.Second), export.Failed, "lever_rejected", "too long"))
		got, err := store.Get(c, k)
		must(t, "Get", err)
		wantEqual(t, "contains after Finish", got.Contains, []string{"message:m1", "message:m2"})
		m, err := store.ClaimContaining(c, k, "c2", base.Add(2*time.Second), stale, []string{"note:n1"})
		must(t, "ClaimContaining again", err)
		wantEqual(t, "contains after the second claim", m.Contains, []string{"note:n1"})
	})

	t.Run("HeldClaimIsInProgress", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		held, err := store.ClaimContaining(c, k, "c1", base, stale, []string{"message:m1"})
		must(t, "ClaimContaining", err)
		stored, err := store.ClaimContaining(c, k, "c2", base.Add(time.Second), stale, []string{"message:m2"})
		wantReason(t, "ClaimContaining of a held marker", err, "in_progress")
		wantEqual(t, "marker returned with in_progress", stored, held)
		if _, err := store.ClaimContaining(c, export.Key{CompanyID: k.CompanyID}, "c3", base, stale, nil); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("ClaimContaining without a candidate: %v, want invalid", err)
		}
	})

	t.Run("LargestHistoryFits", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := key()
		// event.MaxActivities ids of event.MaxIDLength characters of 4
		// bytes each: the largest list a valid snapshot yields.
		long := strings.Repeat("\U0001D538", event.MaxIDLength-6)
		ids := make([]string, event.MaxActivities)
		for i := range ids {
			ids[i] = fmt.Sprintf("message:%s%06d", long, i)
		}
		_, err := store.ClaimContaining(c, k, "c1", base, stale, ids)
		must(t, "ClaimContaining of the largest history", err)
		conf, err := store.Confirm(c, k, "c1", base.Add(time.Second), func(m *export.Marker) {
			m.OpportunityID, m.NoteID = ID("opp"), ID("note")
		})
		must(t, "Confirm of the largest history", err)
		got, err := store.Get(c, k)
		must(t, "Get", err)
		wantEqual(t, "the largest history as stored", got, conf)
		wantEqual(t, "its activities", got.Contains, ids)
	})
}
