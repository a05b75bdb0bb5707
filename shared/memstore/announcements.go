package memstore

import (
	"context"
	"slices"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/posting"
)

// Announcements implements posting.Announcer in memory: it records each
// company's posting changes in the order announced and drops a change
// whose id it already holds (a retried refresh). It stands in for the
// outbound events outbox until that is wired; tests read the sequence
// with Changes. Safe for concurrent use.
type Announcements struct {
	mu      sync.Mutex
	byCo    map[string][]posting.Change
	seen    map[string]bool // company + "/" + change id
	calls   int
	FailErr error // when set, Announce returns it and records nothing
}

var _ posting.Announcer = (*Announcements)(nil)

// NewAnnouncements returns an empty recorder.
func NewAnnouncements() *Announcements {
	return &Announcements{byCo: map[string][]posting.Change{}, seen: map[string]bool{}}
}

// Announce records changes, dropping those already recorded (by id).
func (a *Announcements) Announce(_ context.Context, companyID string, changes []posting.Change) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	for _, c := range changes {
		if c.ID == "" {
			return apperr.InvalidField("id", "posting change %s of %s has no id", c.Type, c.PostingID)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	if a.FailErr != nil {
		return a.FailErr
	}
	for _, c := range changes {
		k := companyID + "/" + c.ID
		if a.seen[k] {
			continue
		}
		a.seen[k] = true
		a.byCo[companyID] = append(a.byCo[companyID], c)
	}
	return nil
}

// Changes returns the company's recorded changes, oldest first.
func (a *Announcements) Changes(companyID string) []posting.Change {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.byCo[companyID])
}

// Calls returns how many times Announce was called.
func (a *Announcements) Calls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

// AnnounceSettings implements posting.AnnounceSettings in memory: the
// companies set with SetInternal announce internal-only postings; every
// other company does not (the default). Safe for concurrent use.
type AnnounceSettings struct {
	mu       sync.Mutex
	internal map[string]bool
}

var _ posting.AnnounceSettings = (*AnnounceSettings)(nil)

// SetInternal sets whether companyID announces internal-only postings.
func (s *AnnounceSettings) SetInternal(companyID string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.internal == nil {
		s.internal = map[string]bool{}
	}
	s.internal[companyID] = on
}

// InternalAnnounced reports the company's setting (false when unset).
func (s *AnnounceSettings) InternalAnnounced(_ context.Context, companyID string) (bool, error) {
	if err := requireID("companyId", companyID); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.internal[companyID], nil
}
