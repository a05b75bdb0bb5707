// Package link holds the links between a vendor's job positions and Lever
// postings, with the trigger that decides when a candidate is exported.
package link

import (
	"context"
	"time"
)

// Trigger decides which candidate event exports a candidate to the linked
// posting.
type Trigger string

// Triggers. The funnel ones are ordered: an event at or past the link's step
// fires it (see Fires, the one place triggers are evaluated).
const (
	ContactAccepted   Trigger = "contact_accepted" // talent.io (default)
	ContactInfoFound  Trigger = "contact_info_found"
	FirstMessageSent  Trigger = "first_message_sent"
	Replied           Trigger = "replied"
	RepliedInterested Trigger = "replied_interested"
	Never             Trigger = "never" // manual export only
)

// Triggers lists every valid trigger, default first.
var Triggers = []Trigger{ContactAccepted, ContactInfoFound, FirstMessageSent, Replied, RepliedInterested, Never}

// Valid reports whether t is a known trigger.
func (t Trigger) Valid() bool {
	for _, k := range Triggers {
		if t == k {
			return true
		}
	}
	return false
}

// Flag says why a link may no longer work.
type Flag string

// Link flags set by the postings refresher.
const (
	FlagNone          Flag = ""
	FlagPostingClosed Flag = "posting_closed"
	FlagPostingGone   Flag = "posting_gone"
)

// Link ties one vendor position to one Lever posting within a company.
type Link struct {
	CompanyID  string
	PositionID string
	PostingID  string
	Trigger    Trigger
	Flag       Flag
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Store persists links.
//
// Get returns apperr NotFound when the position is not linked. Put creates or
// replaces a link (last writer wins; Version is advanced). Delete is
// idempotent. DeleteAll removes every link of a company and returns how many
// it removed. List returns a company's links ordered by position id.
// SetFlags sets the flag of each link whose posting id is a key of flags,
// and clears it for the company's other links; it returns how many links it
// changed. All methods are safe for concurrent use.
type Store interface {
	Get(ctx context.Context, companyID, positionID string) (Link, error)
	Put(ctx context.Context, l Link) (Link, error)
	Delete(ctx context.Context, companyID, positionID string) error
	DeleteAll(ctx context.Context, companyID string) (int, error)
	List(ctx context.Context, companyID string) ([]Link, error)
	SetFlags(ctx context.Context, companyID string, flags map[string]Flag) (int, error)
}
