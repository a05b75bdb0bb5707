package memstore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/leversync"
)

// LeverSync implements leversync.StateStore, leversync.RecordStore and
// erasure.LeverStates in memory, like dynamo.LeverSync: one state per
// tracked opportunity and one sync record per company.
type LeverSync struct {
	mu      sync.Mutex
	states  map[[2]string]leversync.State // (company, opportunity) → state
	records map[string]leversync.Record
}

var (
	_ leversync.StateStore  = (*LeverSync)(nil)
	_ leversync.RecordStore = (*LeverSync)(nil)
	_ erasure.LeverStates   = (*LeverSync)(nil)
)

// NewLeverSync returns an empty sync-back store.
func NewLeverSync() *LeverSync {
	return &LeverSync{states: map[[2]string]leversync.State{}, records: map[string]leversync.Record{}}
}

func stateIDs(companyID, oppID string) error {
	return errors.Join(requireID("companyId", companyID), requireID("opportunityId", oppID))
}

// Track stores s at Version 1 unless the opportunity is stored already
// (first writer wins, nil).
func (l *LeverSync) Track(_ context.Context, s leversync.State) error {
	if err := errors.Join(stateIDs(s.CompanyID, s.OpportunityID), requireID("candidateId", s.CandidateID)); err != nil {
		return err
	}
	if s.Version == 0 {
		s.Version = 1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := [2]string{s.CompanyID, s.OpportunityID}
	if _, ok := l.states[k]; !ok {
		l.states[k] = s
	}
	return nil
}

// Get returns the opportunity's state, or apperr NotFound.
func (l *LeverSync) Get(_ context.Context, companyID, oppID string) (leversync.State, error) {
	if err := stateIDs(companyID, oppID); err != nil {
		return leversync.State{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.states[[2]string{companyID, oppID}]
	if !ok {
		return leversync.State{}, apperr.E(apperr.NotFound, "opportunity %s is not tracked", oppID)
	}
	return s, nil
}

// update is the read-modify-write of one state under its version, as in
// the adapter: fn runs outside the lock on a copy (the zero State when
// none is stored), and its result is stored with Version+1 only if the
// stored version is still the one read; up to updateAttempts, then apperr
// Conflict. An error from fn is returned as is.
func (l *LeverSync) update(companyID, oppID string, fn func(*leversync.State) error) (leversync.State, error) {
	k := [2]string{companyID, oppID}
	for attempt := 1; ; attempt++ {
		l.mu.Lock()
		cur := l.states[k]
		l.mu.Unlock()
		read := cur.Version
		if err := fn(&cur); err != nil {
			return leversync.State{}, err
		}
		cur.CompanyID, cur.OpportunityID, cur.Version = companyID, oppID, read+1
		l.mu.Lock()
		if l.states[k].Version == read {
			l.states[k] = cur
			l.mu.Unlock()
			return cur, nil
		}
		l.mu.Unlock()
		if attempt >= updateAttempts {
			return leversync.State{}, apperr.E(apperr.Conflict, "lever state changed concurrently %d times", attempt)
		}
	}
}

// Modify applies fn to the tracked state under its version (see update):
// apperr NotFound when the opportunity is not tracked.
func (l *LeverSync) Modify(_ context.Context, companyID, oppID string, fn func(*leversync.State) error) (leversync.State, error) {
	if err := stateIDs(companyID, oppID); err != nil {
		return leversync.State{}, err
	}
	return l.update(companyID, oppID, func(s *leversync.State) error {
		if s.Version == 0 {
			return apperr.E(apperr.NotFound, "opportunity %s is not tracked", oppID)
		}
		return fn(s)
	})
}

// errForgotten aborts a ForgetOpportunity of a forgotten state.
var errForgotten = errors.New("memstore: lever state forgotten already")

// ForgetOpportunity writes the opportunity's forgotten tombstone
// (leversync.Forget) over its state, or as a new state when it is not
// tracked; it reports whether it forgot a tracked state.
func (l *LeverSync) ForgetOpportunity(_ context.Context, companyID, oppID, candidateID string, at time.Time) (bool, error) {
	if err := errors.Join(stateIDs(companyID, oppID), requireID("candidateId", candidateID)); err != nil {
		return false, err
	}
	forgot := false
	_, err := l.update(companyID, oppID, func(s *leversync.State) error {
		n, changed := leversync.Forget(*s, companyID, oppID, candidateID, at)
		if !changed {
			return errForgotten
		}
		forgot = s.Version > 0
		*s = n
		return nil
	})
	if errors.Is(err, errForgotten) {
		return false, nil
	}
	return forgot, err
}

func cloneRecord(r leversync.Record) leversync.Record {
	r.Hooks = slices.Clone(r.Hooks)
	for i := range r.Hooks {
		r.Hooks[i].SealedToken = slices.Clone(r.Hooks[i].SealedToken)
	}
	return r
}

// GetRecord returns the company's sync record, or apperr NotFound.
func (l *LeverSync) GetRecord(_ context.Context, companyID string) (leversync.Record, error) {
	if err := requireID("companyId", companyID); err != nil {
		return leversync.Record{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.records[companyID]
	if !ok {
		return leversync.Record{}, apperr.E(apperr.NotFound, "no lever sync record for company %s", companyID)
	}
	return cloneRecord(r), nil
}

// ModifyRecord applies fn to the company's record (a new one when none)
// and stores it with Version+1 if the version is still the one read; up to
// updateAttempts, then apperr Conflict. An error from fn is returned as is.
func (l *LeverSync) ModifyRecord(_ context.Context, companyID string, fn func(*leversync.Record) error) (leversync.Record, error) {
	if err := requireID("companyId", companyID); err != nil {
		return leversync.Record{}, err
	}
	for attempt := 1; ; attempt++ {
		l.mu.Lock()
		cur, ok := l.records[companyID]
		l.mu.Unlock()
		if !ok {
			cur = leversync.Record{CompanyID: companyID}
		}
		cur = cloneRecord(cur)
		read := cur.Version
		if err := fn(&cur); err != nil {
			return leversync.Record{}, err
		}
		cur.CompanyID, cur.Version = companyID, read+1
		l.mu.Lock()
		if l.records[companyID].Version == read {
			l.records[companyID] = cloneRecord(cur)
			l.mu.Unlock()
			return cur, nil
		}
		l.mu.Unlock()
		if attempt >= updateAttempts {
			return leversync.Record{}, apperr.E(apperr.Conflict, "lever sync record changed concurrently %d times", attempt)
		}
	}
}

// DeleteRecord removes the company's record (no error when absent).
func (l *LeverSync) DeleteRecord(_ context.Context, companyID string) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.records, companyID)
	return nil
}
