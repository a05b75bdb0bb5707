package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/settings"
)

// SettingsStoreContract checks an implementation of settings.Store.
// newStore returns the settings store and, when it shares its table with
// the connection store (as the DynamoDB adapter does), that connection
// store (nil otherwise): the suite then checks that the two never see each
// other's items.
func SettingsStoreContract(t *testing.T, newStore func(t *testing.T) (settings.Store, connection.Store)) {
	store, conns := newStore(t)

	t.Run("GetUnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		_, err := store.Get(ctx(t), ID("co"))
		wantCode(t, "Get", err, apperr.NotFound)
	})

	t.Run("UpdateCreatesThenModifies", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		var seen settings.Settings
		got, err := store.Update(c, id, func(s *settings.Settings) error {
			seen = *s
			*s = settings.Settings{CompanyID: "another", AllowGeneralOpportunity: true, AnnounceInternalPostings: true,
				UpdatedAt: base, UpdatedBy: "k1", Version: 42}
			return nil
		})
		must(t, "Update (create)", err)
		wantEqual(t, "fn saw", seen, settings.Settings{CompanyID: id})
		want := settings.Settings{CompanyID: id, AllowGeneralOpportunity: true, AnnounceInternalPostings: true,
			UpdatedAt: base, UpdatedBy: "k1", Version: 1}
		wantEqual(t, "Update returned", got, want)
		stored, err := store.Get(c, id)
		must(t, "Get", err)
		wantEqual(t, "Get", stored, want)

		got, err = store.Update(c, id, func(s *settings.Settings) error {
			s.AllowGeneralOpportunity, s.ExportBeforeConsent, s.UpdatedBy = false, true, "k2"
			return nil
		})
		must(t, "Update (modify)", err)
		want.AllowGeneralOpportunity, want.ExportBeforeConsent, want.UpdatedBy, want.Version = false, true, "k2", 2
		wantEqual(t, "Update returned", got, want)
		stored, err = store.Get(c, id)
		must(t, "Get", err)
		wantEqual(t, "Get", stored, want)
	})

	t.Run("FnErrorWritesNothing", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		boom := apperr.E(apperr.Conflict, "stale").WithReason("stale_version")
		_, err := store.Update(c, id, func(s *settings.Settings) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("Update: err = %v, want fn's error as is", err)
		}
		_, err = store.Get(c, id)
		wantCode(t, "Get after aborted create", err, apperr.NotFound)
	})

	t.Run("ConcurrentUpdatesAllApply", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		const n = 3
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = store.Update(c, id, func(s *settings.Settings) error {
					s.UpdatedBy += "x"
					return nil
				})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantCode(t, "concurrent Update", err, apperr.Conflict)
			}
		}
		got, err := store.Get(c, id)
		must(t, "Get", err)
		if got.Version != int64(ok) || len(got.UpdatedBy) != ok {
			t.Fatalf("after %d successful updates: version %d, updatedBy %q: a write was lost", ok, got.Version, got.UpdatedBy)
		}
	})

	if conns == nil {
		return
	}
	t.Run("ApartFromTheConnection", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		id := ID("co")
		_, err := store.Update(c, id, func(s *settings.Settings) error { s.ExportBeforeConsent = true; return nil })
		must(t, "Update settings", err)
		_, err = conns.Get(c, id)
		wantCode(t, "connection Get after settings write", err, apperr.NotFound)
		_, err = conns.Update(c, id, func(cn *connection.Connection) error { cn.Status = connection.Connected; return nil })
		must(t, "Update connection", err)
		_, err = conns.Update(c, id, func(cn *connection.Connection) error {
			*cn = connection.Connection{CompanyID: id, Status: connection.NotConnected}
			return nil
		})
		must(t, "disconnect", err)
		got, err := store.Get(c, id)
		must(t, "Get settings", err)
		if !got.ExportBeforeConsent || got.Version != 1 {
			t.Fatalf("settings after connection writes = %+v, want them untouched", got)
		}
		ids, _, err := conns.ListActive(c, "", 1000)
		must(t, "ListActive", err)
		for _, x := range ids {
			if x != id && len(x) > len(id) && x[len(x)-len(id):] == id {
				t.Fatalf("ListActive returned %q: the settings item leaked into connections", x)
			}
		}
	})
}
