package posting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/leverlink/leverlink/shared/lever"
)

// ChangeType is the type of a posting change, as the outbound event names
// it.
type ChangeType string

// Change types.
const (
	// Published: a posting entered the announced set (published on a job
	// site the company announces), first seen or re-published.
	Published ChangeType = "posting.published"
	// Updated: an announced posting changed what a vendor publishes
	// (Fields lists which: see UpdatedFields).
	Updated ChangeType = "posting.updated"
	// Closed: an announced posting left the announced set: closed in
	// Lever, or moved to draft, pending, unlisted or an unannounced job
	// site (State says which).
	Closed ChangeType = "posting.closed"
	// Removed: a posting that was announced is no longer returned by
	// Lever (deleted).
	Removed ChangeType = "posting.removed"
)

// Change is one posting change to announce: the data of the posting.*
// outbound event (docs/events.md "Publishing Lever jobs"). ID is stable:
// the same change computed again (a refresh retried after a failure, a
// stream record read twice) has the same ID, and two changes of one
// posting never share one (it chains the previous change's ID).
type Change struct {
	ID        string     `json:"id"`
	Type      ChangeType `json:"type"`
	PostingID string     `json:"postingId"`
	// State is the posting's state (closed changes say why it closed).
	State string `json:"state,omitempty"`
	// Fields lists the changed field groups (Updated only).
	Fields []string `json:"fields,omitempty"`
	// Posting is the full posting (nil for Removed).
	Posting *Posting `json:"posting,omitempty"`
}

// AnnounceSettings reads whether a company announces internal-only
// postings (unlisted, or published only on the internal job site). A
// company without settings announces public postings only (false, nil).
type AnnounceSettings interface {
	InternalAnnounced(ctx context.Context, companyID string) (bool, error)
}

// Announceable reports whether p is in the announced set: published on
// Lever's public job site (or, when internal is true, unlisted or
// published on the internal job site only), and not confidential.
// A published posting without distributionChannels is taken as public
// (assumption: Lever's lists return published postings only for the
// channels asked, so it was listed for one of them).
func Announceable(p Posting, internal bool) bool {
	if p.Confidential {
		return false
	}
	switch p.State {
	case lever.PostingPublished:
		return len(p.DistributionChannels) == 0 || slices.Contains(p.DistributionChannels, lever.ChannelPublic) || internal
	case lever.PostingInternal:
		return internal
	}
	return false
}

// Stamp is the last change announced for a posting. It is kept on the
// posting's cache item: writing the item with a new stamp is what
// announces the change (Written reads it back from the table's change
// stream), so the change and its event are one DynamoDB write.
type Stamp struct {
	ID     string
	Type   ChangeType
	Fields []string
}

// Changes is the one rule for what a refresh announces. Pure: from the
// cached postings (old) and those Lever now returns (fetched) it returns
// the changes, ordered by posting id, and fetched with Announced and Last
// carried over, Announced set for every posting announced published and
// Last set to the change of every posting that has one (so the item is
// rewritten with it). Per posting:
//
//   - now announceable, and not announced before or not announceable
//     before (new, re-published, setting turned on): Published;
//   - announceable before and now, with a different digest of any of
//     UpdatedFields: Updated with those fields (a cached item without
//     digests, written before they existed, is rewritten silently);
//   - announced and announceable before, no longer announceable now:
//     Closed (it stays announced, so its later deletion is Removed);
//   - announced before and gone from Lever now: Removed.
//
// Nothing else is announced: an unchanged posting, a draft, a posting
// never announced that closes or disappears.
func Changes(old, fetched []Posting, internal bool) ([]Change, []Posting) {
	prev := make(map[string]Posting, len(old))
	for _, p := range old {
		prev[p.ID] = p
	}
	next := make([]Posting, len(fetched))
	var out []Change
	seen := make(map[string]bool, len(fetched))
	for i, p := range fetched {
		seen[p.ID] = true
		o, had := prev[p.ID]
		p.Announced = had && o.Announced
		if had {
			p.Last = o.Last
		}
		now := Announceable(p, internal)
		before := had && o.Announced && Announceable(o, internal)
		switch {
		case now && !before:
			p.Announced = true
			out = append(out, stamp(&p, Published, nil))
		case now && before:
			if len(o.Sums) == 0 {
				break
			}
			var fields []string
			for _, f := range UpdatedFields {
				if o.Sums[f] != p.Sums[f] {
					fields = append(fields, f)
				}
			}
			if len(fields) > 0 {
				out = append(out, stamp(&p, Updated, fields))
			}
		case !now && before:
			out = append(out, stamp(&p, Closed, nil))
		}
		next[i] = p
	}
	for _, o := range old {
		if !seen[o.ID] && o.Announced {
			out = append(out, removal(o))
		}
	}
	slices.SortStableFunc(out, func(a, b Change) int {
		switch {
		case a.PostingID < b.PostingID:
			return -1
		case a.PostingID > b.PostingID:
			return 1
		}
		return 0
	})
	return out, next
}

// stamp sets p's Last to a change of type t and returns that change.
func stamp(p *Posting, t ChangeType, fields []string) Change {
	p.Last = Stamp{ID: changeID(t, p.ID, p.Last.ID, digest(p.Sums)), Type: t, Fields: fields}
	return announcement(*p)
}

// MaxEventContent is the largest content (its JSON encoding, in bytes) a
// posting.* event carries: the event is kept in the feed's DynamoDB item
// (at most 400 KB) and POSTed to the vendor, so larger content is left out
// and the event's posting says ContentOmitted "too_large"; GET
// /postings/{postingId} returns it.
const MaxEventContent = 100 << 10

// announcement is the change p's stamp announces, carrying p.
func announcement(p Posting) Change {
	cp := p
	if (cp.ContentStored && cp.Content == nil) || contentSize(cp.Content) > MaxEventContent {
		// The content lives in the ContentStore, not in the item, or is
		// too large for an event: the vendor reads it with GET
		// /postings/{postingId}.
		cp.Content, cp.ContentOmitted = nil, OmittedTooLarge
	}
	return Change{ID: p.Last.ID, Type: p.Last.Type, PostingID: p.ID, State: p.State, Fields: p.Last.Fields, Posting: &cp}
}

// removal is the Removed change of o, an announced posting that left the
// cache.
func removal(o Posting) Change {
	return Change{ID: changeID(Removed, o.ID, o.Last.ID, digest(o.Sums)), Type: Removed, PostingID: o.ID}
}

// Written is the change a write of one cache item announces, given the
// item before (nil when created) and after (nil when deleted): the change
// stamped on the new item when its stamp differs from the old one's (Changes
// stamped it), or Removed when an announced posting's item is deleted
// (only a refresh deletes posting items, for postings Lever no longer
// returns). ok is false for every other write (a rewrite without a new
// change, a never-announced posting deleted). Pure; the same write gives
// the same change, with the same ID.
func Written(old, new *Posting) (c Change, ok bool) {
	switch {
	case new != nil:
		if new.Last.ID == "" || (old != nil && old.Last.ID == new.Last.ID) {
			return Change{}, false
		}
		return announcement(*new), true
	case old != nil && old.Announced:
		return removal(*old), true
	}
	return Change{}, false
}

// changeID is the stable id of a change: its type, posting, the id of the
// posting's previous change (so a re-publication of identical content is
// a new change) and the digest of the posting it announces.
func changeID(t ChangeType, postingID, prev, dig string) string {
	h := sha256.Sum256([]byte(string(t) + "|" + postingID + "|" + prev + "|" + dig))
	return "pc_" + hex.EncodeToString(h[:12])
}
