package memstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/outbox"
)

// Outbox implements outbox.Store in memory. Expiry is not enforced (the
// DynamoDB adapter relies on TTL, which is lazy too).
type Outbox struct {
	mu    sync.Mutex
	feeds map[string][]outbox.Entry // company → entries in sequence order (sequence = index+1)
	ids   map[string]int64          // company/id → sequence
}

var _ outbox.Store = (*Outbox)(nil)

// NewOutbox returns an empty feed store.
func NewOutbox() *Outbox {
	return &Outbox{feeds: map[string][]outbox.Entry{}, ids: map[string]int64{}}
}

func cloneEntry(e outbox.Entry) outbox.Entry {
	e.Data = slices.Clone(e.Data)
	return e
}

// Append stores ev under the company's next sequence unless its id is known.
func (s *Outbox) Append(_ context.Context, ev outbox.Event, d outbox.Delivery, _ time.Time) (outbox.Entry, bool, error) {
	if err := requireID("companyId", ev.CompanyID); err != nil {
		return outbox.Entry{}, false, err
	}
	if err := requireID("id", ev.ID); err != nil {
		return outbox.Entry{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq, ok := s.ids[ev.CompanyID+"/"+ev.ID]; ok {
		return cloneEntry(s.feeds[ev.CompanyID][seq-1]), false, nil
	}
	ev.Sequence = int64(len(s.feeds[ev.CompanyID]) + 1)
	e := cloneEntry(outbox.Entry{Event: ev, Delivery: d, Version: 1})
	s.feeds[ev.CompanyID] = append(s.feeds[ev.CompanyID], e)
	s.ids[ev.CompanyID+"/"+ev.ID] = ev.Sequence
	return cloneEntry(e), true, nil
}

// List returns up to limit entries after the sequence after.
func (s *Outbox) List(_ context.Context, companyID string, after int64, limit int) ([]outbox.Entry, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outbox.Entry
	for _, e := range s.feeds[companyID] {
		if e.Sequence > after && len(out) < limit {
			out = append(out, cloneEntry(e))
		}
	}
	return out, nil
}

// Pending returns up to limit pending entries in sequence order.
func (s *Outbox) Pending(_ context.Context, companyID string, limit int) ([]outbox.Entry, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outbox.Entry
	for _, e := range s.feeds[companyID] {
		if e.Delivery.State == outbox.Pending && len(out) < limit {
			out = append(out, cloneEntry(e))
		}
	}
	return out, nil
}

// PendingCompanies returns the companies with pending entries.
func (s *Outbox) PendingCompanies(_ context.Context, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for c, es := range s.feeds {
		for _, e := range es {
			if e.Delivery.State == outbox.Pending {
				out = append(out, c)
				break
			}
		}
	}
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Modify applies fn to the entry (companyID, seq) under the lock.
func (s *Outbox) Modify(_ context.Context, companyID string, seq int64, fn func(*outbox.Entry) error) (outbox.Entry, error) {
	s.mu.Lock()
	es := s.feeds[companyID]
	if seq < 1 || seq > int64(len(es)) {
		s.mu.Unlock()
		return outbox.Entry{}, apperr.E(apperr.NotFound, "no event %d in the feed of %s", seq, companyID)
	}
	e := cloneEntry(es[seq-1])
	s.mu.Unlock()
	// fn runs outside the lock, like the adapter's read-modify-write.
	if err := fn(&e); err != nil {
		return outbox.Entry{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.feeds[companyID][seq-1]
	if cur.Version != e.Version {
		return outbox.Entry{}, apperr.E(apperr.Conflict, "event %d of %s changed meanwhile", seq, companyID)
	}
	cur.Delivery = e.Delivery
	cur.Version++
	s.feeds[companyID][seq-1] = cur
	return cloneEntry(cur), nil
}
