package leversync

import (
	"context"
	"slices"
	"time"

	"github.com/leverlink/leverlink/shared/leverhook"
)

// Events are the Lever webhook events leverlink registers, one webhook
// each (Lever docs "Event payloads": candidateStageChange,
// candidateArchiveChange, candidateHired, candidateDeleted).
var Events = []string{
	leverhook.CandidateStageChange, leverhook.CandidateArchiveChange,
	leverhook.CandidateHired, leverhook.CandidateDeleted,
}

// ScopeWebhooks is the scope POST /webhooks needs ("Manage all webhooks").
const ScopeWebhooks = "webhooks:write:admin"

// Hook is one webhook leverlink registered in Lever. SealedToken is its
// signature token sealed like the connection's tokens (never stored plain).
type Hook struct {
	ID          string
	Event       string
	SealedToken []byte
}

// Record is a company's sync-back bookkeeping: the webhooks registered for
// it (URL is where they point), when a verified delivery last arrived, and
// the poll's progress (PollFrom is the updated_at_start of the next poll).
// Version increases by one on every write.
type Record struct {
	CompanyID      string
	URL            string
	Hooks          []Hook
	RegisteredAt   time.Time
	LastDeliveryAt time.Time
	PolledAt       time.Time
	PollFrom       time.Time
	// HookError is the reason code of the last failed registration ("" when
	// the webhooks are in place), e.g. forbidden when the grant lacks
	// webhooks:write:admin: the poll then does the work.
	HookError string
	Version   int64
}

// Missing lists the events of Events without a webhook at url. Pure.
func (r Record) Missing(url string) []string {
	var out []string
	for _, e := range Events {
		if !slices.ContainsFunc(r.Hooks, func(h Hook) bool { return h.Event == e }) || r.URL != url {
			out = append(out, e)
		}
	}
	return out
}

// DefaultPollEvery is Syncer.PollEvery's default: below the default
// refresh period (15 minutes), so every scheduled refresh polls and a
// delivery lost among others is caught within one period, while refreshes
// in quick succession (connect, then the schedule) poll once.
const DefaultPollEvery = 10 * time.Minute

// NeedsPoll is the one rule for "poll Lever for this company now": its
// webhooks are missing, or silent (no verified delivery since the last
// poll; a dropped delivery looks like this), or the last poll is every
// old. Pure.
func (r Record) NeedsPoll(now time.Time, every time.Duration) bool {
	return len(r.Hooks) < len(Events) || !r.LastDeliveryAt.After(r.PolledAt) || now.Sub(r.PolledAt) >= every
}

// RecordStore keeps each company's Record.
//
// GetRecord returns apperr NotFound when the company has none.
// ModifyRecord reads the record (a zero Record with CompanyID set and
// Version 0 when none exists), applies fn and writes it with Version+1
// unless the stored version changed meanwhile (retried a few times, then
// apperr Conflict); an error from fn is returned as is and nothing is
// written. DeleteRecord removes it (no error when absent). Safe for
// concurrent use.
type RecordStore interface {
	GetRecord(ctx context.Context, companyID string) (Record, error)
	ModifyRecord(ctx context.Context, companyID string, fn func(*Record) error) (Record, error)
	DeleteRecord(ctx context.Context, companyID string) error
}

// Sealer seals and opens secrets bound to a company (connection.Sealer).
type Sealer interface {
	Seal(companyID, plaintext string) ([]byte, error)
	Open(companyID string, sealed []byte) (string, error)
}
