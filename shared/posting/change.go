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

// Change is one posting change to announce. ID is stable: the same change
// computed again (a refresh retried after a failure) has the same ID, so
// the receiving outbox can drop the repeat.
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

// Announcer sends a company's posting changes to the outbound events. The
// changes of one refresh come in one call, in order (by posting id; one
// change per posting). Implementations should drop a change whose ID they
// already hold: a refresh that fails after announcing is retried and
// announces the same changes again. Safe for concurrent use.
type Announcer interface {
	Announce(ctx context.Context, companyID string, changes []Change) error
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

// Changes is the one rule for what a refresh announces. Pure: from the
// cached postings (old) and those Lever now returns (fetched) it returns
// the changes, ordered by posting id, and fetched with Announced carried
// over and set for every posting announced published. Per posting:
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
		now := Announceable(p, internal)
		before := had && o.Announced && Announceable(o, internal)
		switch {
		case now && !before:
			p.Announced = true
			out = append(out, change(Published, p, nil))
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
				out = append(out, change(Updated, p, fields))
			}
		case !now && before:
			out = append(out, change(Closed, p, nil))
		}
		next[i] = p
	}
	for _, o := range old {
		if !seen[o.ID] && o.Announced {
			out = append(out, Change{ID: changeID(Removed, o.ID, digest(o.Sums)), Type: Removed, PostingID: o.ID})
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

func change(t ChangeType, p Posting, fields []string) Change {
	cp := p
	return Change{ID: changeID(t, p.ID, digest(p.Sums)), Type: t, PostingID: p.ID, State: p.State, Fields: fields, Posting: &cp}
}

// changeID is the stable id of a change: its type, posting and the digest
// of the posting it announces.
func changeID(t ChangeType, postingID, dig string) string {
	h := sha256.Sum256([]byte(string(t) + "|" + postingID + "|" + dig))
	return "pc_" + hex.EncodeToString(h[:12])
}
