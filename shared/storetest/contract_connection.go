package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// ConnectionStoreContract checks an implementation of connection.Store.
// newStore must return a store that is empty or at least holds no company
// whose id starts with "co-" followed by this suite's random ids.
func ConnectionStoreContract(t *testing.T, newStore func(t *testing.T) connection.Store) {
	store := newStore(t)

	t.Run("GetUnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		_, err := store.Get(ctx(t), ID("co"))
		wantCode(t, "Get", err, apperr.NotFound)
	})

	t.Run("UpdateCreatesThenModifies", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		want := connection.Connection{
			CompanyID: id, Status: connection.Connected, Environment: connection.Sandbox,
			LeverAccountID: "acct", PerformAsID: "u1", PerformAsEmail: "a@b.c",
			SealedAccess: []byte{0, 1, 2, 255}, SealedRefresh: []byte("sealed-refresh"),
			AccessExpiry: base.Add(time.Hour), Scopes: "offline_access opportunities:write:admin",
			ConnectedAt: base, UpdatedAt: base,
			Version: 1,
		}
		var seen connection.Connection
		got, err := store.Update(c, id, func(cn *connection.Connection) error {
			seen = *cn
			v := want
			v.Version = 99 // the store owns Version
			*cn = v
			return nil
		})
		must(t, "Update (create)", err)
		wantEqual(t, "fn saw", seen, connection.Connection{CompanyID: id})
		wantEqual(t, "Update returned", got, want)
		stored, err := store.Get(c, id)
		must(t, "Get", err)
		wantEqual(t, "Get", stored, want)

		got, err = store.Update(c, id, func(cn *connection.Connection) error {
			cn.Status, cn.LastError, cn.SealedAccess = connection.Revoked, "invalid_grant", nil
			return nil
		})
		must(t, "Update (modify)", err)
		want.Status, want.LastError, want.SealedAccess, want.Version = connection.Revoked, "invalid_grant", nil, 2
		wantEqual(t, "Update returned", got, want)
		stored, err = store.Get(c, id)
		must(t, "Get", err)
		wantEqual(t, "Get", stored, want)
	})

	t.Run("UpdateFnErrorAborts", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		boom := errors.New("boom")
		_, err := store.Update(c, id, func(cn *connection.Connection) error {
			cn.Status = connection.Connected
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update error = %v, want the fn error", err)
		}
		_, err = store.Get(c, id)
		wantCode(t, "Get after aborted Update", err, apperr.NotFound)
	})

	t.Run("UpdateRetriesAfterConcurrentWrite", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		calls := 0
		got, err := store.Update(c, id, func(cn *connection.Connection) error {
			calls++
			if calls == 1 { // a concurrent writer gets in between read and write
				if _, err := store.Update(c, id, func(in *connection.Connection) error {
					in.PerformAsID = "inner"
					return nil
				}); err != nil {
					return err
				}
			}
			cn.Scopes = "outer"
			return nil
		})
		must(t, "Update", err)
		if calls != 2 {
			t.Fatalf("fn called %d times, want 2 (once more after the conflict)", calls)
		}
		if got.PerformAsID != "inner" || got.Scopes != "outer" || got.Version != 2 {
			t.Fatalf("Update = %+v, want both writes applied and Version 2", got)
		}
	})

	t.Run("ConcurrentUpdatesApplyInTurnOrConflict", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		const n = 8
		errs := race(n, func(i int) error {
			_, err := store.Update(c, id, func(cn *connection.Connection) error {
				cn.Scopes = strings.TrimSpace(cn.Scopes + fmt.Sprintf(" w%d", i))
				return nil
			})
			return err
		})
		ok := winners(t, "Update", errs, apperr.Conflict)
		got, err := store.Get(c, id)
		must(t, "Get", err)
		if ok == 0 || got.Version != int64(ok) || len(strings.Fields(got.Scopes)) != ok {
			t.Fatalf("%d updates succeeded; stored Version %d, Scopes %q: want one applied write each", ok, got.Version, got.Scopes)
		}
	})

	t.Run("AcquireLease", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		_, err := store.AcquireLease(c, id, "a", base, time.Minute)
		wantCode(t, "AcquireLease without connection", err, apperr.NotFound)
		_, err = store.Update(c, id, func(cn *connection.Connection) error { cn.Status = connection.Connected; return nil })
		must(t, "Update", err)

		steps := []struct {
			owner     string
			at        time.Duration
			wantErr   apperr.Code
			wantOwner string
			wantUntil time.Time
		}{
			{"a", 0, "", "a", base.Add(time.Minute)},
			{"b", 30 * time.Second, apperr.Conflict, "a", base.Add(time.Minute)},
			{"a", 59 * time.Second, apperr.Conflict, "a", base.Add(time.Minute)}, // not re-entrant
			{"b", time.Minute, "", "b", base.Add(2 * time.Minute)},               // expired at now
			{"c", 90 * time.Second, apperr.Conflict, "b", base.Add(2 * time.Minute)},
		}
		for i, s := range steps {
			got, err := store.AcquireLease(c, id, s.owner, base.Add(s.at), time.Minute)
			wantCode(t, fmt.Sprintf("step %d: AcquireLease(%s)", i, s.owner), err, s.wantErr)
			if got.LeaseOwner != s.wantOwner || !got.LeaseUntil.Equal(s.wantUntil) || got.CompanyID != id {
				t.Fatalf("step %d: AcquireLease(%s) returned lease %q until %v, want %q until %v",
					i, s.owner, got.LeaseOwner, got.LeaseUntil, s.wantOwner, s.wantUntil)
			}
		}
		got, err := store.Get(c, id)
		must(t, "Get", err)
		if got.Version != 3 {
			t.Fatalf("Version = %d, want 3 (create + two leases)", got.Version)
		}
		// Update keeps the lease and can release it.
		got, err = store.Update(c, id, func(cn *connection.Connection) error { cn.LeaseOwner, cn.LeaseUntil = "", time.Time{}; return nil })
		must(t, "Update (release)", err)
		if _, err := store.AcquireLease(c, id, "d", base.Add(61*time.Second), time.Minute); err != nil {
			t.Fatalf("AcquireLease after release: %v", err)
		}
	})

	t.Run("AcquireLeaseRace", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		_, err := store.Update(c, id, func(cn *connection.Connection) error { cn.Status = connection.Connected; return nil })
		must(t, "Update", err)
		errs := race(20, func(i int) error {
			_, err := store.AcquireLease(c, id, fmt.Sprintf("owner%d", i), base, time.Minute)
			return err
		})
		if n := winners(t, "AcquireLease", errs, apperr.Conflict); n != 1 {
			t.Fatalf("%d of 20 concurrent AcquireLease succeeded, want exactly 1", n)
		}
	})

	t.Run("ListActivePages", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		prefix := ID("co") + "-"
		var want []string
		var mu sync.Mutex
		errs := race(16, func(w int) error {
			for i := w; i < 280; i += 16 {
				id := fmt.Sprintf("%s%03d", prefix, i)
				st := connection.Connected
				switch {
				case i >= 265:
					st = connection.Revoked
				case i >= 250:
					st = connection.PerformAsInactive // tokens live: listed, kept fresh
				}
				if _, err := store.Update(c, id, func(cn *connection.Connection) error { cn.Status = st; return nil }); err != nil {
					return err
				}
				if st != connection.Revoked {
					mu.Lock()
					want = append(want, id)
					mu.Unlock()
				}
			}
			return nil
		})
		must(t, "seed", errors.Join(errs...))
		slices.Sort(want)

		for _, limit := range []int{100, 7, 0} {
			t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
				var got []string
				cursor, pages := "", 0
				for {
					ids, next, err := store.ListActive(c, cursor, limit)
					must(t, "ListActive", err)
					if limit > 0 && len(ids) > limit {
						t.Fatalf("page of %d ids, limit %d", len(ids), limit)
					}
					for _, id := range ids {
						if strings.HasPrefix(id, prefix) {
							got = append(got, id)
						}
					}
					if pages++; pages > 1000 {
						t.Fatal("ListActive never ends")
					}
					if next == "" {
						break
					}
					cursor = next
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("ListActive returned %d ids (%d pages), want the %d connected and perform_as_inactive ones exactly once", len(got), pages, len(want))
				}
			})
		}
	})
}

// StateStoreContract checks an implementation of connection.StateStore.
func StateStoreContract(t *testing.T, newStore func(t *testing.T) connection.StateStore) {
	store := newStore(t)
	state := func() connection.State {
		return connection.State{
			ID: ID("state"), CompanyID: ID("co"), Environment: connection.Production,
			ReturnURL: "https://vendor.example/back?x=1", PerformAsEmail: "admin@co.example",
			CreatedAt: time.Now().UTC(), ExpiresAt: time.Now().UTC().Add(10 * time.Minute),
		}
	}

	t.Run("PutConsumeSingleUse", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		s := state()
		must(t, "Put", store.Put(c, s))
		wantCode(t, "Put same id", store.Put(c, s), apperr.Conflict)
		got, err := store.Consume(c, s.ID)
		must(t, "Consume", err)
		wantEqual(t, "Consume", got, s)
		_, err = store.Consume(c, s.ID)
		wantCode(t, "second Consume", err, apperr.NotFound)
	})

	t.Run("UnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		_, err := store.Consume(ctx(t), ID("state"))
		wantCode(t, "Consume", err, apperr.NotFound)
	})

	t.Run("ExpiredIsConsumedAndReturned", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		s := state()
		s.CreatedAt, s.ExpiresAt = s.CreatedAt.Add(-time.Hour), s.CreatedAt.Add(-time.Minute)
		must(t, "Put", store.Put(c, s))
		got, err := store.Consume(c, s.ID)
		must(t, "Consume expired", err)
		if !got.ExpiresAt.Equal(s.ExpiresAt) || !got.ExpiresAt.Before(time.Now()) {
			t.Fatalf("Consume returned ExpiresAt %v, want %v (the caller checks it)", got.ExpiresAt, s.ExpiresAt)
		}
		_, err = store.Consume(c, s.ID)
		wantCode(t, "second Consume", err, apperr.NotFound)
	})

	t.Run("ConcurrentConsumeExactlyOne", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		s := state()
		must(t, "Put", store.Put(c, s))
		errs := race(50, func(int) error { _, err := store.Consume(c, s.ID); return err })
		if n := winners(t, "Consume", errs, apperr.NotFound); n != 1 {
			t.Fatalf("%d of 50 concurrent Consume succeeded, want exactly 1", n)
		}
	})
}
