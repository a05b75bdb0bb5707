// Package leversync tells the vendor what happened to its candidates in
// Lever after leverlink exported them (tool issue 11, item 4): the stage
// changes, archive and unarchive, hire and deletion of every opportunity
// leverlink created or adopted.
//
// Lever reports a change two ways, and both end in Apply:
//
//   - its webhooks (candidateStageChange, candidateArchiveChange,
//     candidateHired, candidateDeleted), registered per company on connect
//     and reconnect (Syncer.Sync) and verified with each webhook's
//     signature token (Receiver);
//   - a poll of GET /opportunities?updated_at_start=… and GET
//     /opportunities/deleted?deleted_at_start=… by the scheduled refresher
//     when the webhooks are missing or silent (Syncer.Sync, NeedsPoll).
//
// Either way leverlink reads the opportunity as Lever shows it now
// (Observation) and writes it over the opportunity's State only when it is
// newer (Lever's updatedAt) and different (Next). The state item's change
// stream is what becomes candidate.* outbound events (outbox.Derive), so a
// change seen by a webhook and by a poll is written once and announced
// once, with one event id.
//
// When the vendor erases a candidate (erasure.Service.Erase) its
// opportunity is forgotten: the state becomes a tombstone (Forget) that no
// observation changes (Next) and a late Track does not replace, so Lever
// changes to it are announced no more, whatever the order.
package leversync

import (
	"context"
	"time"

	"github.com/leverlink/leverlink/shared/export"
)

// Ref names a Lever object: a stage or an archive reason.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// State is the last known Lever state of one opportunity leverlink
// exported. Version increases by one on every write (the condition of
// StateStore.Modify).
type State struct {
	CompanyID     string
	OpportunityID string
	CandidateID   string // the vendor's candidate id
	Stage         Ref
	// PrevStage is the stage before the last stage change (the "from" of
	// candidate.stage_changed).
	PrevStage     Ref
	Archived      bool
	ArchiveReason Ref  // set while archived
	Hired         bool // archived with a reason of type hired
	Deleted       bool // deleted in Lever: final
	// Forgotten marks the tombstone of an opportunity whose candidate the
	// vendor erased (Forget): ids only, final, and silent (no observation
	// changes it, so no candidate.* event is derived from it again).
	Forgotten bool
	// LeverUpdatedAt is Lever's updatedAt (deletedAt for a deletion) of
	// the observation last written: an older one never overwrites it.
	LeverUpdatedAt time.Time
	UpdatedAt      time.Time // when leverlink wrote it
	Version        int64
}

// Observation is an opportunity as Lever shows it at At (its updatedAt, or
// deletedAt / the webhook's triggeredAt for a deletion).
type Observation struct {
	OpportunityID string
	At            time.Time
	Stage         Ref
	Archived      bool
	ArchiveReason Ref
	Hired         bool
	Deleted       bool
	// StageNames names the account's stages (id → name), to name a stage
	// recorded before its name was known; may be nil.
	StageNames map[string]string
}

// Next is the one rule for "does this observation change what leverlink
// knows": it returns the state to write and true, or s and false when the
// observation is older than what is stored, the opportunity is already
// deleted or forgotten (its candidate erased: Forget), or nothing changed (stage, archive state and reason, hired,
// deleted, or a name learnt). A changed stage moves the stored one to
// PrevStage; a stage learnt where none was known is no stage change
// (StageChanged). Pure.
func Next(s State, o Observation) (State, bool) {
	if s.Deleted || s.Forgotten || o.At.Before(s.LeverUpdatedAt) {
		return s, false
	}
	n := s
	if n.Stage.Name == "" && o.StageNames != nil {
		n.Stage.Name = o.StageNames[n.Stage.ID]
	}
	if o.Deleted {
		n.Deleted = true
		n.LeverUpdatedAt = o.At
		return n, true
	}
	switch {
	case o.Stage.ID == "":
	case n.Stage.ID == "": // the stage at export was not known: learn it
		n.Stage = o.Stage
	case o.Stage.ID != n.Stage.ID:
		n.PrevStage = n.Stage
		n.Stage = o.Stage
	case o.Stage.Name != "":
		n.Stage.Name = o.Stage.Name
	}
	n.Archived, n.Hired = o.Archived, o.Archived && o.Hired
	n.ArchiveReason = Ref{}
	if o.Archived {
		n.ArchiveReason = o.ArchiveReason
	}
	if n.Stage == s.Stage && n.Archived == s.Archived && n.ArchiveReason == s.ArchiveReason && n.Hired == s.Hired {
		return s, false
	}
	n.LeverUpdatedAt = o.At
	return n, true
}

// Forget is the one rule for what sync-back keeps of an opportunity whose
// candidate the vendor erased (erasure.Service.Erase): a forgotten
// tombstone holding the company, opportunity and candidate ids only (the
// Lever stage, archive, hire and deletion data cleared), written at now.
// It returns the tombstone and true, or s and false when s is forgotten
// already. s may be the zero State (the opportunity not tracked yet: the
// tombstone is then created, so a late Track keeps it, first writer
// wins); its candidate id is kept when set, else candidateID is used.
// Version is left to the store. Pure.
func Forget(s State, companyID, opportunityID, candidateID string, now time.Time) (State, bool) {
	if s.Forgotten {
		return s, false
	}
	if s.CandidateID != "" {
		candidateID = s.CandidateID
	}
	return State{
		CompanyID: companyID, OpportunityID: opportunityID, CandidateID: candidateID,
		Forgotten: true, UpdatedAt: now, Version: s.Version,
	}, true
}

// StageChanged reports whether old → s is a stage change to announce: both
// stages known and different. Pure.
func StageChanged(old, s State) bool {
	return old.Stage.ID != "" && s.Stage.ID != "" && old.Stage.ID != s.Stage.ID
}

// StateStore keeps the State of every tracked opportunity.
//
// Track stores s (Version 1) unless the opportunity is tracked already
// (first writer wins; not an error). Get returns the opportunity's state
// or apperr NotFound when leverlink did not export it. Modify reads the
// state, applies fn to a copy and writes it back with Version+1 unless the
// stored version changed meanwhile (retried a few times, then apperr
// Conflict); apperr NotFound when untracked; an error from fn is returned
// as is and nothing is written. All methods are safe for concurrent use.
type StateStore interface {
	Track(ctx context.Context, s State) error
	Get(ctx context.Context, companyID, opportunityID string) (State, error)
	Modify(ctx context.Context, companyID, opportunityID string, fn func(*State) error) (State, error)
}

// Eraser anonymises what leverlink holds about a candidate deleted in
// Lever (ids kept): erasure.Service.Anonymise. NoErase keeps everything
// (tests, a dispatcher wired without it).
type Eraser interface {
	Anonymise(ctx context.Context, companyID, candidateID string) error
}

// NoErase is the Eraser that keeps everything (the default).
type NoErase struct{}

// Anonymise does nothing.
func (NoErase) Anonymise(context.Context, string, string) error { return nil }

// ToTrack is the one rule for "start following this opportunity": a
// candidate's export marker entering exported with an opportunity id (only
// opportunities leverlink exported produce vendor events). Pure.
func ToTrack(old *export.Marker, m export.Marker) bool {
	return m.ActivityID == "" && m.State == export.Exported && m.OpportunityID != "" &&
		(old == nil || old.State != export.Exported || old.OpportunityID != m.OpportunityID)
}

// Erase reports whether old → s is the deletion to erase after. Pure.
func Erase(old *State, s State) bool {
	return s.Deleted && !s.Forgotten && (old == nil || !old.Deleted)
}

// View is an exported opportunity's last known Lever state as the API
// shows it (GET …/candidates/{candidateId}/export, "lever").
type View struct {
	Stage         Ref       `json:"stage"`
	Archived      bool      `json:"archived"`
	ArchiveReason *Ref      `json:"archiveReason,omitempty"`
	Hired         bool      `json:"hired"`
	Deleted       bool      `json:"deleted"`
	UpdatedAt     time.Time `json:"updatedAt,omitzero"` // Lever's time of the last change seen
}

// ViewOf returns s's public view. A forgotten state has no Lever data
// (an erased candidate's export status shows no view: httpapi). Pure.
func ViewOf(s State) View {
	v := View{Stage: s.Stage, Archived: s.Archived, Hired: s.Hired, Deleted: s.Deleted, UpdatedAt: s.LeverUpdatedAt}
	if s.Archived {
		r := s.ArchiveReason
		v.ArchiveReason = &r
	}
	return v
}
