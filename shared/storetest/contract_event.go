package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// SeenStoreContract checks an implementation of export.SeenStore: the
// event.SeenStore with Forget.
func SeenStoreContract(t *testing.T, newStore func(t *testing.T) export.SeenStore) {
	store := newStore(t)

	t.Run("ReplayAndExpiry", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("evt")
		const ttl = time.Hour
		steps := []struct {
			at      time.Duration
			wantErr apperr.Code
		}{
			{0, ""},
			{time.Second, apperr.Conflict},       // replay
			{ttl - time.Second, apperr.Conflict}, // still remembered
			{ttl, ""},                            // expired at now: processed again, remembered anew
			{ttl + time.Minute, apperr.Conflict},
			{3 * ttl, ""},
		}
		for i, s := range steps {
			err := store.MarkSeen(c, id, base.Add(s.at), ttl)
			wantCode(t, fmt.Sprintf("step %d: MarkSeen at +%v", i, s.at), err, s.wantErr)
		}
		must(t, "another id", store.MarkSeen(c, ID("evt"), base, ttl))
	})

	t.Run("ForgetUndoesAMark", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id, other := ID("evt"), ID("evt")
		must(t, "MarkSeen", store.MarkSeen(c, id, base, time.Hour))
		must(t, "MarkSeen other", store.MarkSeen(c, other, base, time.Hour))
		must(t, "Forget", store.Forget(c, id))
		must(t, "Forget again (idempotent)", store.Forget(c, id))
		must(t, "Forget unknown", store.Forget(c, ID("evt")))
		must(t, "MarkSeen after Forget", store.MarkSeen(c, id, base.Add(time.Second), time.Hour))
		wantCode(t, "MarkSeen of the other id", store.MarkSeen(c, other, base.Add(time.Second), time.Hour), apperr.Conflict)
		wantCode(t, "Forget of an empty id", store.Forget(c, ""), apperr.Invalid)
	})

	t.Run("ConcurrentExactlyOne", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("evt")
		errs := race(50, func(int) error { return store.MarkSeen(c, id, base, time.Hour) })
		if n := winners(t, "MarkSeen", errs, apperr.Conflict); n != 1 {
			t.Fatalf("%d of 50 concurrent MarkSeen succeeded, want exactly 1", n)
		}
	})
}
