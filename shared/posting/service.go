package posting

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
)

// States lists the posting states Lever knows; DefaultStates is what the
// link dropdown shows unless asked otherwise.
var (
	States        = []string{"published", "internal", "closed", "draft", "pending", "rejected"}
	DefaultStates = []string{"published", "internal"}
)

// ListView is the answer of GET /postings.
type ListView struct {
	Postings    []Posting  `json:"postings"`
	RefreshedAt *time.Time `json:"refreshedAt"`
}

// ParseStates validates a comma-separated state filter; "" gives the
// default states and "all" every state. Errors name the field "state".
func ParseStates(raw string) ([]string, error) {
	if raw == "" {
		return DefaultStates, nil
	}
	if raw == "all" {
		return States, nil
	}
	var out []string
	for _, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		ok := false
		for _, k := range States {
			ok = ok || k == s
		}
		if !ok {
			return nil, apperr.InvalidField("state", "unknown posting state %q; use %s or all", s, strings.Join(States, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// ParseInclude validates GET /postings' include parameter: "" for the
// light view, "content" for the full postings. Errors name the field
// "include".
func ParseInclude(raw string) (bool, error) {
	switch strings.TrimSpace(raw) {
	case "":
		return false, nil
	case "content":
		return true, nil
	}
	return false, apperr.InvalidField("include", "unknown include %q; use content", raw)
}

// Filter returns the postings in states whose text, team, department or
// location contains q (case-insensitive), ordered by text then id.
func Filter(ps []Posting, states []string, q string) []Posting {
	want := map[string]bool{}
	for _, s := range states {
		want[s] = true
	}
	q = strings.ToLower(strings.TrimSpace(q))
	out := []Posting{}
	for _, p := range ps {
		if !want[p.State] {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(p.Text+" "+p.Team+" "+p.Department+" "+p.Location), q) {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Text != out[j].Text {
			return out[i].Text < out[j].Text
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// List returns the cached postings filtered (see ParseStates and Filter)
// in their light view.
func List(ctx context.Context, store Store, companyID, state, q string) (ListView, error) {
	return ListFull(ctx, store, nil, companyID, state, q, false)
}

// ListFull is List; with full it returns the full postings (content
// included, read from contents when it is kept there; see Full).
func ListFull(ctx context.Context, store Store, contents ContentStore, companyID, state, q string, full bool) (ListView, error) {
	states, err := ParseStates(state)
	if err != nil {
		return ListView{}, err
	}
	c, err := store.List(ctx, companyID)
	if err != nil {
		return ListView{}, fmt.Errorf("list postings: %w", err)
	}
	v := ListView{Postings: Filter(c.Postings, states, q)}
	for i, p := range v.Postings {
		if !full {
			v.Postings[i] = p.Light()
			continue
		}
		if v.Postings[i], err = withContent(ctx, contents, companyID, p); err != nil {
			return ListView{}, err
		}
	}
	if !c.RefreshedAt.IsZero() {
		t := c.RefreshedAt
		v.RefreshedAt = &t
	}
	return v, nil
}

// Full returns one cached posting with everything a vendor needs to
// publish it. Errors: apperr NotFound when the posting is not cached
// (unknown to Lever at the last refresh, or another company's).
func Full(ctx context.Context, store Store, contents ContentStore, companyID, postingID string) (Posting, error) {
	if err := event.CheckID("postingId", postingID); err != nil {
		return Posting{}, err
	}
	p, err := store.Get(ctx, companyID, postingID)
	if err != nil {
		return Posting{}, err
	}
	return withContent(ctx, contents, companyID, p)
}

// withContent fills in content kept in the ContentStore. When the posting
// says its content is stored but no ContentStore is configured (or it has
// none), the posting is returned marked too_large rather than failing.
func withContent(ctx context.Context, contents ContentStore, companyID string, p Posting) (Posting, error) {
	if !p.ContentStored {
		return p, nil
	}
	if contents == nil {
		p.ContentOmitted = OmittedTooLarge
		return p, nil
	}
	c, err := contents.GetContent(ctx, companyID, p.ID)
	if apperr.Is(err, apperr.NotFound) {
		p.ContentOmitted = OmittedTooLarge
		return p, nil
	}
	if err != nil {
		return Posting{}, fmt.Errorf("read content of posting %s: %w", p.ID, err)
	}
	p.Content = &c
	return p, nil
}

// Reload refreshes the company's postings synchronously (the "Reload"
// link). When another pass is running it waits for that pass instead of
// starting a second one, until ctx's deadline. Errors: apperr Invalid
// with Reason not_connected / lever_revoked / reauth_required; Transient on
// Lever trouble or when ctx ends first.
func Reload(ctx context.Context, r *Refresher, companyID string, poll time.Duration) (Result, error) {
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	since, err := r.Postings.RefreshedAt(ctx, companyID)
	if err != nil {
		return Result{}, fmt.Errorf("reload: %w", err)
	}
	for {
		// A pass that recorded its refreshedAt after this reload began is
		// as good as our own, even when it ended before we got the lease.
		res, err := r.refresh(ctx, companyID, &since)
		if err != nil {
			return res, err
		}
		switch res.Skipped {
		case "", "joined":
			return res, nil
		case "not_connected":
			return res, apperr.E(apperr.Invalid, "Lever is not connected for this company").WithReason("not_connected")
		case "revoked":
			return res, apperr.E(apperr.Invalid, "Lever revoked this company's access").WithReason("lever_revoked")
		case "reauth_required":
			return res, apperr.E(apperr.Invalid, "the stored Lever tokens cannot be used; reconnect Lever").WithReason("reauth_required")
		case "in_progress":
		default: // a skip this loop does not know must not wait until the deadline
			return res, apperr.E(apperr.Invalid, "Lever cannot be read for this company: %s", res.Skipped).WithReason(res.Skipped)
		}
		// in_progress: wait for the other pass to record its refreshedAt.
		select {
		case <-ctx.Done():
			return res, apperr.Wrap(apperr.Transient, ctx.Err(), "a refresh is still running; try again")
		case <-time.After(poll):
		}
		at, err := r.Postings.RefreshedAt(ctx, companyID)
		if err != nil {
			return Result{}, fmt.Errorf("reload: %w", err)
		}
		if at.After(since) {
			return Result{CompanyID: companyID, Skipped: "joined"}, nil
		}
	}
}
