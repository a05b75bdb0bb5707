// Package erasure is the one home of the rules about deleting what
// leverlink holds for a candidate:
//
//   - Erase, the vendor's DELETE /v1/companies/{companyId}/candidates/{id}:
//     everything is removed (the export marker's contents, the activity
//     markers of pushed messages and notes and of the history note, the
//     LinkedIn dedupe entries of the candidate's Lever contact) except an
//     anonymous tombstone: the export marker in state erased holding ids
//     only (Tombstone), and the Lever state of its opportunity forgotten
//     (LeverStates, leversync.Forget: no more candidate.* events for it).
//     export.Decide refuses an erased candidate (reason
//     erased) for every asker, so a job queued before the DELETE, a later
//     webhook event, the Export button and pushes never export it again.
//   - Anonymise, for a candidate Lever deleted (candidate.deleted): the ids
//     are kept (marker keys, opportunity, contact) so later Lever events
//     still resolve, but the personal data held goes (Anonymous).
//
// leverlink keeps no candidate profile in its tables: markers hold ids and
// codes, plus a short error text (lastError) that may quote what Lever
// refused; the LinkedIn index is keyed by the profile URL. Snapshots travel
// inside queued jobs, which a queue does not let one delete by candidate: a
// job queued before Erase is discarded without export when it is received
// (the claim returns the tombstone), and a dead-lettered one expires with
// its queue's retention (docs/runbook.md). The snapshots of jobs too large
// for a message are stored aside (export.Payloads, the claim check): Erase
// deletes those (export.ErasePayloads).
package erasure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
)

// Store is the storage erasure works on: one candidate's markers and the
// company's LinkedIn index. Implemented by shared/dynamo (Exports) and
// shared/memstore (Exports); storetest.ErasureStoreContract is its
// contract. All methods are safe for concurrent use.
//
// CandidateMarkers returns every marker of the candidate, in any state:
// its export marker (when there is one) and all its activity markers. It
// never returns another candidate's markers, even one whose id starts
// with this one's.
//
// UpdateMarker reads marker k (consistently), calls fn with it and whether
// it was found (when not, a zero marker with key k), and writes the result
// in full (fields fn cleared are removed) on the condition that the marker
// is still the version read; on a concurrent change it reads again and
// calls fn again, then gives up with apperr Conflict. An error from fn
// aborts without writing and is returned as is. It returns the marker as
// written (Version advanced). fn may not change the key.
//
// DeleteMarker deletes marker k and reports whether it existed.
//
// ForgetContact deletes the company's LinkedIn index entries that record
// contactID (export.ContactIndex) and returns how many it deleted; an
// entry a concurrent PutLinkedIn records for another contact stays.
type Store interface {
	CandidateMarkers(ctx context.Context, companyID, candidateID string) ([]export.Marker, error)
	UpdateMarker(ctx context.Context, k export.Key, fn func(m *export.Marker, found bool) error) (export.Marker, error)
	DeleteMarker(ctx context.Context, k export.Key) (bool, error)
	ForgetContact(ctx context.Context, companyID, contactID string) (int, error)
}

// LeverStates is Lever sync-back's store as erasure needs it: to forget
// an erased candidate's opportunity, so that Lever's later changes to it
// are announced no more. Implemented by shared/dynamo (LeverSync) and
// shared/memstore (LeverSync); storetest.LeverSyncContract is its
// contract. Safe for concurrent use.
//
// ForgetOpportunity writes the opportunity's forgotten tombstone
// (leversync.Forget, at at): over its tracked state (Version+1, on the
// condition that the state is still the version read; on a concurrent
// change it reads again, then gives up with apperr Conflict), or as a new
// state at Version 1 when the opportunity is not tracked (yet), so that a
// Track arriving later keeps it (first writer wins). It reports whether it
// forgot a tracked state: false when there was none (the tombstone is
// created) or it was forgotten already (nothing is written). Errors: apperr
// Invalid naming companyId, opportunityId or candidateId; store errors.
type LeverStates interface {
	ForgetOpportunity(ctx context.Context, companyID, opportunityID, candidateID string, at time.Time) (bool, error)
}

// Service erases and anonymises candidates. Safe for concurrent use.
type Service struct {
	Store Store
	// Lever forgets the erased candidate's opportunity in Lever sync-back;
	// nil: sync-back is not wired (nothing follows the opportunity).
	Lever LeverStates
	// Payloads holds the snapshots of queued jobs too large for a message
	// (export.SendJob); nil: none are stored aside.
	Payloads export.Payloads
	// StaleAfter is the exporter's claim staleness (export.Exporter's
	// StaleAfter; default 2m): an export claimed more recently may be
	// writing to Lever right now, and Erase waits for it (in_progress).
	StaleAfter time.Duration
	Log        *slog.Logger
	Now        func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) stale() time.Duration {
	if s.StaleAfter > 0 {
		return s.StaleAfter
	}
	return 2 * time.Minute
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Report is the answer of Erase (the body of the DELETE): what was removed
// now. A second Erase of the same candidate answers the same shape with
// zero counts and the first erasure's time.
type Report struct {
	CandidateID string    `json:"candidateId"`
	State       string    `json:"state"`    // always erased
	ErasedAt    time.Time `json:"erasedAt"` // when the tombstone was first written
	Removed     Removed   `json:"removed"`
}

// Removed counts the items Erase removed.
type Removed struct {
	// ExportMarker is 1 when the candidate's export record (its state,
	// position, posting, Lever URL, attempts, last error) was replaced by
	// the tombstone now, 0 when there was none or it was erased already.
	ExportMarker int `json:"exportMarker"`
	// ActivityMarkers are the records of pushed (or tried) messages and
	// notes and of the history note.
	ActivityMarkers int `json:"activityMarkers"`
	// LeverState is 1 when the last known Lever state of the candidate's
	// opportunity (stage, archive reason, hire: the export status's
	// "lever") was forgotten now, 0 when there was none or it was
	// forgotten already. From then on Lever's changes to the opportunity
	// are announced no more (no candidate.* events).
	LeverState int `json:"leverState"`
	// LinkedInIndex are the entries mapping a LinkedIn profile URL to the
	// candidate's Lever contact.
	LinkedInIndex int `json:"linkedinIndex"`
	// QueuedPayloads are the stored snapshots of the candidate's queued
	// jobs too large for a queue message (export.ErasePayloads).
	QueuedPayloads int `json:"queuedPayloads"`
}

// Tombstone is the one rule for what an erased candidate's export marker
// keeps: its key, state erased, the Lever opportunity and contact ids (so
// the vendor can still tell the customer which Lever record was theirs)
// and when it was erased (kept from an earlier tombstone); nothing else.
// Pure.
func Tombstone(m export.Marker, now time.Time) export.Marker {
	at := now
	if m.State == export.Erased && !m.UpdatedAt.IsZero() {
		at = m.UpdatedAt
	}
	return export.Marker{
		Key:           export.Key{CompanyID: m.CompanyID, CandidateID: m.CandidateID},
		State:         export.Erased,
		OpportunityID: m.OpportunityID,
		ContactID:     m.ContactID,
		UpdatedAt:     at,
		Version:       m.Version,
	}
}

// Anonymous is the one rule for what a marker of a candidate Lever deleted
// keeps: everything but the fields that may carry personal data (lastError
// may quote what Lever refused). It reports whether it changed m. Pure.
func Anonymous(m *export.Marker) bool {
	if m.LastError == "" {
		return false
	}
	m.LastError = ""
	return true
}

// Erase removes everything leverlink holds for the candidate but the
// tombstone, in this order: the tombstone first (from then on no claim,
// queue, skip or record writes for the candidate), then the Lever state of
// its opportunity (forgotten through Lever: from then on no candidate.*
// events, also when its tracking arrives later), then the activity
// markers, then the LinkedIn entries of its Lever contact, then the stored
// snapshots of its queued jobs (Payloads). It is
// idempotent and completes an earlier Erase that stopped half-way (the
// tombstone keeps the contact id). A candidate leverlink never saw gets a
// tombstone too, so its later events are refused.
//
// Errors: apperr Invalid naming companyId or candidateId; apperr Conflict
// with Reason in_progress (RetryAfter set) while an export claimed less
// than StaleAfter ago may be writing to Lever (nothing was changed: retry
// then); store errors otherwise (the tombstone may then be written: retry).
func (s *Service) Erase(ctx context.Context, companyID, candidateID string) (Report, error) {
	if err := errors.Join(event.CheckID("companyId", companyID), event.CheckID("candidateId", candidateID)); err != nil {
		return Report{}, err
	}
	now := s.now()
	k := export.Key{CompanyID: companyID, CandidateID: candidateID}
	var rep Report
	tomb, err := s.Store.UpdateMarker(ctx, k, func(m *export.Marker, found bool) error {
		rep.Removed.ExportMarker = 0
		if found && m.State == export.Exporting && m.ClaimID != "" {
			if left := s.stale() - now.Sub(m.ClaimedAt); left > 0 {
				e := apperr.E(apperr.Conflict, "an export of this candidate may be writing to Lever right now; retry after it ends").WithReason(string(export.ReasonInProgress))
				e.RetryAfter = left
				return e
			}
		}
		if found && m.State != export.Erased {
			rep.Removed.ExportMarker = 1
		}
		m.Key = k
		*m = Tombstone(*m, now)
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("erase candidate: %w", err)
	}
	if s.Lever != nil && tomb.OpportunityID != "" {
		forgot, err := s.Lever.ForgetOpportunity(ctx, companyID, tomb.OpportunityID, candidateID, now)
		if err != nil {
			return Report{}, fmt.Errorf("erase candidate: %w", err)
		}
		if forgot {
			rep.Removed.LeverState = 1
		}
	}
	ms, err := s.Store.CandidateMarkers(ctx, companyID, candidateID)
	if err != nil {
		return Report{}, fmt.Errorf("erase candidate: %w", err)
	}
	for _, m := range ms {
		if m.ActivityID == "" {
			continue
		}
		deleted, err := s.Store.DeleteMarker(ctx, m.Key)
		if err != nil {
			return Report{}, fmt.Errorf("erase candidate: %w", err)
		}
		if deleted {
			rep.Removed.ActivityMarkers++
		}
	}
	if tomb.ContactID != "" {
		if rep.Removed.LinkedInIndex, err = s.Store.ForgetContact(ctx, companyID, tomb.ContactID); err != nil {
			return Report{}, fmt.Errorf("erase candidate: %w", err)
		}
	}
	if rep.Removed.QueuedPayloads, err = export.ErasePayloads(ctx, s.Payloads, companyID, candidateID); err != nil {
		return Report{}, fmt.Errorf("erase candidate: %w", err)
	}
	rep.CandidateID, rep.State, rep.ErasedAt = candidateID, string(export.Erased), tomb.UpdatedAt
	s.log().InfoContext(ctx, "candidate erased", "company_id", companyID, "candidate_id", candidateID,
		"export_marker", rep.Removed.ExportMarker, "lever_state", rep.Removed.LeverState, "activity_markers", rep.Removed.ActivityMarkers, "linkedin_index", rep.Removed.LinkedInIndex, "queued_payloads", rep.Removed.QueuedPayloads)
	return rep, nil
}

// errGone aborts an UpdateMarker whose marker disappeared meanwhile.
var errGone = errors.New("marker gone")

// Anonymise removes the personal data leverlink holds for a candidate Lever
// deleted, keeping every id: each of its markers keeps its key, state,
// opportunity, contact and note ids (Anonymous), and the LinkedIn entries
// of its Lever contact are deleted (their key is the profile URL). It is
// idempotent and writes nothing when there is nothing to remove. An
// erased candidate holds nothing more to remove.
//
// Errors: apperr Invalid naming companyId or candidateId; store errors
// (retry: what was done stays done).
func (s *Service) Anonymise(ctx context.Context, companyID, candidateID string) error {
	if err := errors.Join(event.CheckID("companyId", companyID), event.CheckID("candidateId", candidateID)); err != nil {
		return err
	}
	ms, err := s.Store.CandidateMarkers(ctx, companyID, candidateID)
	if err != nil {
		return fmt.Errorf("anonymise candidate: %w", err)
	}
	scrubbed, forgotten := 0, 0
	contacts := map[string]bool{}
	for _, m := range ms {
		if m.ContactID != "" {
			contacts[m.ContactID] = true
		}
		if probe := m; !Anonymous(&probe) {
			continue
		}
		_, err := s.Store.UpdateMarker(ctx, m.Key, func(cur *export.Marker, found bool) error {
			if !found {
				return errGone
			}
			Anonymous(cur)
			return nil
		})
		if err != nil && !errors.Is(err, errGone) {
			return fmt.Errorf("anonymise candidate: %w", err)
		}
		scrubbed++
	}
	for c := range contacts {
		n, err := s.Store.ForgetContact(ctx, companyID, c)
		if err != nil {
			return fmt.Errorf("anonymise candidate: %w", err)
		}
		forgotten += n
	}
	s.log().InfoContext(ctx, "candidate anonymised", "company_id", companyID, "candidate_id", candidateID,
		"markers_scrubbed", scrubbed, "linkedin_index", forgotten)
	return nil
}
