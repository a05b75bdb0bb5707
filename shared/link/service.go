package link

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// PostingGetter reads one cached posting (apperr NotFound if unknown).
type PostingGetter interface {
	Exists(ctx context.Context, companyID, postingID string) (state string, err error)
}

// Service manages links. Safe for concurrent use.
type Service struct {
	Links    Store
	Postings PostingGetter
	Conn     connection.Getter // the company's connection, judged by connection.Usable
	Now      func() time.Time
}

// PutInput is the body of PUT /links/{positionId}.
type PutInput struct {
	PostingID string  `json:"postingId" maxLength:"128"`
	Trigger   Trigger `json:"trigger,omitempty" maxLength:"64"`
}

// Put links positionID to a posting with a trigger (contact_accepted by
// default). Changing a link affects future exports only. Errors: apperr
// Invalid naming postingId or trigger (unknown trigger lists the valid
// ones); apperr Invalid with the connection's reason (not_connected,
// lever_revoked, reauth_required, perform_as_inactive: connection.Usable;
// the API answers 422) when Lever cannot be used; apperr NotFound naming postingId for an unknown posting;
// apperr Invalid naming postingId with Reason posting_not_linkable (the API
// answers 422) for a draft, pending or rejected posting, which Lever does
// not let candidates apply to: the message names the state. A closed
// posting may be linked: the link is flagged posting_closed and holds its
// exports until the posting reopens.
func (s *Service) Put(ctx context.Context, companyID, positionID string, in PutInput) (Link, error) {
	if in.PostingID == "" {
		return Link{}, apperr.InvalidField("postingId", "is required")
	}
	if in.Trigger == "" {
		in.Trigger = ContactAccepted
	}
	if !in.Trigger.Valid() {
		names := make([]string, len(Triggers))
		for i, t := range Triggers {
			names[i] = string(t)
		}
		return Link{}, apperr.InvalidField("trigger", "unknown trigger %q; use one of %s", in.Trigger, strings.Join(names, ", "))
	}
	_, reason, err := connection.Usable(ctx, s.Conn, companyID)
	if err != nil {
		return Link{}, fmt.Errorf("put link: %w", err)
	}
	if reason != "" {
		return Link{}, apperr.E(apperr.Invalid, "Lever cannot be used for this company: %s", reason).WithReason(reason)
	}
	state, err := s.Postings.Exists(ctx, companyID, in.PostingID)
	if apperr.Is(err, apperr.NotFound) {
		e := apperr.E(apperr.NotFound, "posting %s is not among this company's Lever postings (reload the postings?)", in.PostingID)
		e.Field = "postingId"
		return Link{}, e
	}
	if err != nil {
		return Link{}, fmt.Errorf("put link: %w", err)
	}
	if !Linkable(state) {
		e := apperr.E(apperr.Invalid, "posting %s is %s in Lever; link a published, internal or closed posting", in.PostingID, state).
			WithReason(ReasonPostingNotLinkable)
		e.Field = "postingId"
		return Link{}, e
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	l := Link{CompanyID: companyID, PositionID: positionID, PostingID: in.PostingID, Trigger: in.Trigger, CreatedAt: now, UpdatedAt: now}
	if state == "closed" {
		l.Flag = FlagPostingClosed
	}
	if old, err := s.Links.Get(ctx, companyID, positionID); err == nil {
		l.CreatedAt = old.CreatedAt
	}
	return s.Links.Put(ctx, l)
}

// ReasonPostingNotLinkable is the reason of a refused link to a posting
// that is not open to candidates.
const ReasonPostingNotLinkable = "posting_not_linkable"

// Linkable reports whether a posting in Lever state may be linked: draft,
// pending (awaiting approval) and rejected postings may not; published,
// internal and closed may (an unknown state is allowed: Lever may add one).
func Linkable(state string) bool {
	switch state {
	case "draft", "pending", "rejected":
		return false
	}
	return true
}

// View is the public form of a link.
type View struct {
	PositionID string    `json:"positionId"`
	PostingID  string    `json:"postingId"`
	Trigger    Trigger   `json:"trigger"`
	Flag       Flag      `json:"flag,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// ViewOf returns the public form of l.
func ViewOf(l Link) View {
	return View{PositionID: l.PositionID, PostingID: l.PostingID, Trigger: l.Trigger, Flag: l.Flag, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}
