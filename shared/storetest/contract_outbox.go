package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/outbox"
)

func outboxEvent(company, id string, typ outbox.Type, orderKey string) outbox.Event {
	return outbox.Event{
		ID: id, Type: typ, OccurredAt: base, CompanyID: company, OrderKey: orderKey,
		Data: json.RawMessage(`{"candidateId":"` + orderKey + `"}`),
	}
}

// OutboxStoreContract checks an implementation of outbox.Store.
func OutboxStoreContract(t *testing.T, newStore func(t *testing.T) outbox.Store) {
	store := newStore(t)
	expires := time.Now().Add(35 * 24 * time.Hour) // the emulator deletes expired items

	t.Run("AppendAssignsGaplessSequenceAndDedupes", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		company := ID("co")
		pending := outbox.Delivery{State: outbox.Pending, NextAttemptAt: base}
		var ids []string
		for i := range 3 {
			ev := outboxEvent(company, ID("evt"), outbox.ExportSucceeded, fmt.Sprintf("cand-%d", i))
			e, appended, err := store.Append(c, ev, pending, expires)
			must(t, "Append", err)
			wantEqual(t, "appended", appended, true)
			wantEqual(t, "sequence", e.Sequence, int64(i+1))
			wantEqual(t, "version", e.Version, int64(1))
			ids = append(ids, ev.ID)
		}
		again, appended, err := store.Append(c, outboxEvent(company, ids[1], outbox.ExportFailed, "x"), pending, expires)
		must(t, "Append again", err)
		wantEqual(t, "appended again", appended, false)
		wantEqual(t, "stored sequence returned", again.Sequence, int64(2))
		wantEqual(t, "stored type returned", again.Type, outbox.ExportSucceeded)

		other, _, err := store.Append(c, outboxEvent(ID("co"), ids[0], outbox.ExportSucceeded, "c"), pending, expires)
		must(t, "Append to another company", err)
		wantEqual(t, "another company's sequence starts at 1", other.Sequence, int64(1))

		all, err := store.List(c, company, 0, 100)
		must(t, "List", err)
		if len(all) != 3 {
			t.Fatalf("List: %d entries, want 3", len(all))
		}
		for i, e := range all {
			wantEqual(t, fmt.Sprintf("entry %d id", i), e.ID, ids[i])
			wantEqual(t, fmt.Sprintf("entry %d order key", i), e.OrderKey, fmt.Sprintf("cand-%d", i))
			wantEqual(t, fmt.Sprintf("entry %d occurredAt", i), e.OccurredAt.Equal(base), true)
			wantEqual(t, fmt.Sprintf("entry %d data", i), string(e.Data), `{"candidateId":"cand-`+fmt.Sprint(i)+`"}`)
			wantEqual(t, fmt.Sprintf("entry %d delivery", i), e.Delivery.State, outbox.Pending)
		}
		page, err := store.List(c, company, 1, 1)
		must(t, "List after 1", err)
		if len(page) != 1 || page[0].Sequence != 2 {
			t.Fatalf("List(after 1, limit 1) = %+v, want sequence 2 only", page)
		}
		rest, err := store.List(c, company, 3, 10)
		must(t, "List after the end", err)
		wantEqual(t, "entries after the end", len(rest), 0)
		wantCode(t, "Append without company", func() error {
			_, _, err := store.Append(c, outboxEvent("", ID("evt"), outbox.ExportFailed, ""), pending, expires)
			return err
		}(), apperr.Invalid)
	})

	t.Run("PendingAndModify", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		company := ID("co")
		for i, st := range []outbox.DeliveryState{outbox.Pending, outbox.FeedOnly, outbox.Pending} {
			_, _, err := store.Append(c, outboxEvent(company, ID("evt"), outbox.ExportSkipped, fmt.Sprint(i)), outbox.Delivery{State: st, NextAttemptAt: base}, expires)
			must(t, "Append", err)
		}
		p, err := store.Pending(c, company, 10)
		must(t, "Pending", err)
		got := []int64{}
		for _, e := range p {
			got = append(got, e.Sequence)
		}
		wantEqual(t, "pending sequences", got, []int64{1, 3})
		cs, err := store.PendingCompanies(c, 1000)
		must(t, "PendingCompanies", err)
		wantEqual(t, "company has pending", slices.Contains(cs, company), true)

		e, err := store.Modify(c, company, 1, func(x *outbox.Entry) error {
			x.Delivery = outbox.Delivery{State: outbox.Delivered, Attempts: 2, FirstAttemptAt: base, DeliveredAt: base.Add(time.Second), LastError: ""}
			return nil
		})
		must(t, "Modify", err)
		wantEqual(t, "version after Modify", e.Version, int64(2))
		wantEqual(t, "attempts", e.Delivery.Attempts, 2)
		wantEqual(t, "deliveredAt", e.Delivery.DeliveredAt.Equal(base.Add(time.Second)), true)

		// A write between read and write loses with Conflict.
		_, err = store.Modify(c, company, 3, func(x *outbox.Entry) error {
			if _, err := store.Modify(c, company, 3, func(y *outbox.Entry) error { y.Delivery.Attempts = 9; return nil }); err != nil {
				return err
			}
			x.Delivery.Attempts = 1
			return nil
		})
		wantCode(t, "Modify after a concurrent write", err, apperr.Conflict)
		_, err = store.Modify(c, company, 3, func(*outbox.Entry) error { return apperr.E(apperr.Invalid, "stop") })
		wantCode(t, "fn's error returned", err, apperr.Invalid)
		_, err = store.Modify(c, company, 99, func(*outbox.Entry) error { return nil })
		wantCode(t, "Modify of a missing entry", err, apperr.NotFound)

		p, err = store.Pending(c, company, 10)
		must(t, "Pending after delivery", err)
		if len(p) != 1 || p[0].Sequence != 3 || p[0].Delivery.Attempts != 9 {
			t.Fatalf("Pending after delivery = %+v, want only sequence 3 with 9 attempts", p)
		}
		_, err = store.Modify(c, company, 3, func(x *outbox.Entry) error { x.Delivery.State = outbox.Parked; return nil })
		must(t, "park", err)
		cs, err = store.PendingCompanies(c, 1000)
		must(t, "PendingCompanies after parking", err)
		wantEqual(t, "company without pending listed", slices.Contains(cs, company), false)
	})

	t.Run("ConcurrentAppends", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		company := ID("co")
		dup := ID("evt")
		const n = 12
		ids := make([]string, n)
		for i := range ids {
			ids[i] = ID("evt")
		}
		results := make([]bool, n)
		errs := race(2*n, func(i int) error {
			id := ids[i/2]
			if i%2 == 1 {
				id = dup
			}
			_, appended, err := store.Append(c, outboxEvent(company, id, outbox.ExportSucceeded, "k"), outbox.Delivery{State: outbox.FeedOnly}, expires)
			if i%2 == 1 {
				results[i/2] = appended
			}
			return err
		})
		for i, err := range errs {
			must(t, fmt.Sprintf("Append %d", i), err)
		}
		wins := 0
		for _, a := range results {
			if a {
				wins++
			}
		}
		wantEqual(t, "appends of one id that appended", wins, 1)
		all, err := store.List(c, company, 0, 100)
		must(t, "List", err)
		for i, e := range all {
			wantEqual(t, fmt.Sprintf("entry %d sequence", i), e.Sequence, int64(i+1))
		}
		wantEqual(t, "entries", len(all), n+1)
	})
}
