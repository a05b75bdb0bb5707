package outbox

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/posting"
)

// Change is one committed item write, as the change stream reports it: the
// item before (nil when created) and after (nil when deleted). Exactly one
// kind is set.
type Change struct {
	OldMarker, NewMarker   *export.Marker
	OldConn, NewConn       *connection.Connection
	OldLink, NewLink       *link.Link
	OldLever, NewLever     *leversync.State // an exported opportunity's Lever state
	OldPosting, NewPosting *posting.Posting
	// PostingCompanyID is the company of a cached posting's item (the
	// posting does not carry it).
	PostingCompanyID string
	At               time.Time // when the write was committed (the stream record's time)
}

// Derive is the one rule saying which state change is which outbound event
// (docs/events.md "Outbound events"). Pure.
//
// A candidate export marker entering exported, failed or skipped (or staying
// skipped with a new reason) is export.succeeded, export.failed or
// export.skipped; an activity marker entering failed is push.failed; a
// connection entering connected, revoked or a state named by a
// connection.* type is that event (ConnectionEvent); a link gaining the
// posting_closed or posting_gone flag is link.posting_closed or
// link.posting_gone; an exported opportunity's Lever state changing is
// candidate.stage_changed, candidate.archived, candidate.hired,
// candidate.unarchived or candidate.deleted (fromLever); a cached
// posting's item written with a new change, or an announced posting's
// item deleted, is that posting.* event (posting.Written: the refresher's
// rule stamped the change on the item). Each event's id is EventID of the
// item's key and version (a posting's: its change id), so a change seen
// again yields the same id.
func Derive(c Change) []Event {
	switch {
	case c.NewPosting != nil || c.OldPosting != nil:
		return fromPosting(c.PostingCompanyID, c.OldPosting, c.NewPosting, c.At)
	case c.NewMarker != nil:
		return fromMarker(c.OldMarker, *c.NewMarker, c.At)
	case c.NewConn != nil:
		return fromConnection(c.OldConn, *c.NewConn, c.At)
	case c.NewLink != nil:
		return fromLink(c.OldLink, *c.NewLink, c.At)
	case c.NewLever != nil:
		return fromLever(c.OldLever, *c.NewLever, c.At)
	}
	return nil
}

func at(t, fallback time.Time) time.Time {
	if t.IsZero() {
		return fallback.UTC()
	}
	return t.UTC()
}

func mk(typ Type, source, companyID, orderKey string, t time.Time, data any) Event {
	b, err := json.Marshal(data)
	if err != nil { // the data types below always marshal
		panic(fmt.Sprintf("outbox: marshal %s: %v", typ, err))
	}
	return Event{ID: EventID(source, typ), Type: typ, OccurredAt: t, CompanyID: companyID, Data: b, OrderKey: orderKey}
}

// ExportSucceededData is the data of export.succeeded.
type ExportSucceededData struct {
	CandidateID   string `json:"candidateId"`
	PositionID    string `json:"positionId,omitempty"`
	PostingID     string `json:"postingId,omitempty"`
	OpportunityID string `json:"opportunityId"`
	ContactID     string `json:"contactId,omitempty"`
	LeverURL      string `json:"leverUrl,omitempty"`
}

// ExportProblemData is the data of export.failed and export.skipped
// (Detail only for failed).
type ExportProblemData struct {
	CandidateID string `json:"candidateId"`
	Reason      string `json:"reason"`
	Detail      string `json:"detail,omitempty"`
}

// PushFailedData is the data of push.failed.
type PushFailedData struct {
	CandidateID string `json:"candidateId"`
	ActivityID  string `json:"activityId"`
	Reason      string `json:"reason"`
	Detail      string `json:"detail,omitempty"`
}

func fromMarker(old *export.Marker, m export.Marker, t time.Time) []Event {
	if old != nil && old.State == m.State && (m.State != export.Skipped || old.Reason == m.Reason) {
		return nil
	}
	source := fmt.Sprintf("marker/%s/%s/%s/v%d", m.CompanyID, m.CandidateID, m.ActivityID, m.Version)
	when := at(m.UpdatedAt, t)
	if m.ActivityID != "" {
		if m.State != export.Failed {
			return nil
		}
		return []Event{mk(PushFailed, source, m.CompanyID, m.CandidateID, when,
			PushFailedData{CandidateID: m.CandidateID, ActivityID: m.ActivityID, Reason: m.Reason, Detail: m.LastError})}
	}
	switch m.State {
	case export.Exported:
		return []Event{mk(ExportSucceeded, source, m.CompanyID, m.CandidateID, at(m.ExportedAt, when), ExportSucceededData{
			CandidateID: m.CandidateID, PositionID: m.PositionID, PostingID: m.PostingID,
			OpportunityID: m.OpportunityID, ContactID: m.ContactID, LeverURL: m.LeverURL,
		})}
	case export.Failed:
		return []Event{mk(ExportFailed, source, m.CompanyID, m.CandidateID, when,
			ExportProblemData{CandidateID: m.CandidateID, Reason: m.Reason, Detail: m.LastError})}
	case export.Skipped:
		return []Event{mk(ExportSkipped, source, m.CompanyID, m.CandidateID, when,
			ExportProblemData{CandidateID: m.CandidateID, Reason: m.Reason})}
	}
	return nil
}

// ConnectionData is the data of the connection.* events.
type ConnectionData struct {
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	Environment string `json:"environment,omitempty"`
}

// ConnectionEvent is the event type of a connection entering status, and
// whether there is one: connection.<status> for connected, revoked,
// suspended, perform_as_inactive and credentials_due. A connection state
// added later with one of these names is announced without further code.
func ConnectionEvent(status connection.Status) (Type, bool) {
	typ := Type("connection." + string(status))
	switch typ {
	case ConnectionConnected, ConnectionRevoked, ConnectionSuspended, ConnectionPerformAsInactive, ConnectionCredentialsDue:
		return typ, true
	}
	return "", false
}

func fromConnection(old *connection.Connection, c connection.Connection, t time.Time) []Event {
	if old != nil && old.Status == c.Status {
		return nil
	}
	typ, ok := ConnectionEvent(c.Status)
	if !ok {
		return nil
	}
	reason := c.RevokedReason
	if reason == "" && c.Status != connection.Connected {
		reason = c.LastError
	}
	source := fmt.Sprintf("connection/%s/v%d", c.CompanyID, c.Version)
	return []Event{mk(typ, source, c.CompanyID, "", at(c.UpdatedAt, t),
		ConnectionData{Status: string(c.Status), Reason: reason, Environment: string(c.Environment)})}
}

// LinkData is the data of the link.* events.
type LinkData struct {
	PositionID string `json:"positionId"`
	PostingID  string `json:"postingId"`
}

func fromLink(old *link.Link, l link.Link, t time.Time) []Event {
	if l.Flag == link.FlagNone || (old != nil && old.Flag == l.Flag) {
		return nil
	}
	var typ Type
	switch l.Flag {
	case link.FlagPostingClosed:
		typ = LinkPostingClosed
	case link.FlagPostingGone:
		typ = LinkPostingGone
	default:
		return nil
	}
	source := fmt.Sprintf("link/%s/%s/v%d", l.CompanyID, l.PositionID, l.Version)
	// Flag writes leave UpdatedAt (the link's own edit time) alone: the
	// change's commit time is when it happened.
	return []Event{mk(typ, source, l.CompanyID, "", at(t, l.UpdatedAt), LinkData{PositionID: l.PositionID, PostingID: l.PostingID})}
}

// CandidateStageData is the data of candidate.stage_changed.
type CandidateStageData struct {
	CandidateID   string        `json:"candidateId"`
	OpportunityID string        `json:"opportunityId"`
	From          leversync.Ref `json:"from"`
	To            leversync.Ref `json:"to"`
}

// CandidateArchiveData is the data of candidate.archived and
// candidate.hired (the archive reason; a hire is an archive with a reason
// of type hired in Lever).
type CandidateArchiveData struct {
	CandidateID   string        `json:"candidateId"`
	OpportunityID string        `json:"opportunityId"`
	Reason        leversync.Ref `json:"reason"`
}

// CandidateData is the data of candidate.unarchived and candidate.deleted.
type CandidateData struct {
	CandidateID   string `json:"candidateId"`
	OpportunityID string `json:"opportunityId"`
}

// fromLever announces a change of an exported opportunity's Lever state.
// Tracking it (old nil) announces nothing, nor does forgetting it (its
// candidate erased by the vendor: leversync.Forget clears what would
// otherwise read as an unarchive), which is final. A deletion is announced alone;
// otherwise a stage change comes first, then the archive change: archived
// (or hired, when the reason is of type hired) on entering the archive or
// changing reason, unarchived on leaving it.
func fromLever(old *leversync.State, s leversync.State, t time.Time) []Event {
	if old == nil || s.Forgotten {
		return nil
	}
	source := fmt.Sprintf("lever/%s/%s/v%d", s.CompanyID, s.OpportunityID, s.Version)
	when := at(s.LeverUpdatedAt, t)
	ids := CandidateData{CandidateID: s.CandidateID, OpportunityID: s.OpportunityID}
	ev := func(typ Type, data any) Event { return mk(typ, source, s.CompanyID, s.CandidateID, when, data) }
	if s.Deleted {
		if old.Deleted {
			return nil
		}
		return []Event{ev(CandidateDeleted, ids)}
	}
	var out []Event
	if leversync.StageChanged(*old, s) {
		out = append(out, ev(CandidateStageChanged, CandidateStageData{
			CandidateID: s.CandidateID, OpportunityID: s.OpportunityID, From: s.PrevStage, To: s.Stage,
		}))
	}
	switch {
	case s.Archived && (!old.Archived || old.ArchiveReason.ID != s.ArchiveReason.ID || old.Hired != s.Hired):
		typ := CandidateArchived
		if s.Hired {
			typ = CandidateHired
		}
		out = append(out, ev(typ, CandidateArchiveData{CandidateID: s.CandidateID, OpportunityID: s.OpportunityID, Reason: s.ArchiveReason}))
	case !s.Archived && old.Archived:
		out = append(out, ev(CandidateUnarchived, ids))
	}
	return out
}

// PostingOrderKey is the OrderKey of a posting's events: they are
// delivered in order per posting ('#' is in no candidate id).
func PostingOrderKey(postingID string) string { return "posting#" + postingID }

// fromPosting: the data of a posting.* event is the posting.Change
// (docs/events.md "Publishing Lever jobs").
func fromPosting(companyID string, old, new *posting.Posting, t time.Time) []Event {
	pc, ok := posting.Written(old, new)
	if !ok || companyID == "" {
		return nil
	}
	source := fmt.Sprintf("posting/%s/%s/%s", companyID, pc.PostingID, pc.ID)
	return []Event{mk(Type(pc.Type), source, companyID, PostingOrderKey(pc.PostingID), at(t, time.Now()), pc)}
}
