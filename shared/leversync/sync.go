package leversync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
)

// Lever is what sync-back needs from a company's Lever account.
type Lever interface {
	GetOpportunity(ctx context.Context, id string) (lever.Opportunity, error)
	ListOpportunities(ctx context.Context, f lever.OppFilter) ([]lever.Opportunity, error)
	ListDeletedOpportunities(ctx context.Context, since time.Time) ([]lever.DeletedOpportunity, error)
	ListStages(ctx context.Context) ([]lever.Stage, error)
	ListArchiveReasons(ctx context.Context) ([]lever.ArchiveReason, error)
	CreateWebhook(ctx context.Context, url, event string) (lever.Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
}

var _ Lever = (*lever.Client)(nil)

// LeverFactory returns the Lever client of a connection
// (leverclient.Clients).
type LeverFactory interface {
	SyncLever(ctx context.Context, c connection.Connection) (Lever, error)
}

// errUnchanged aborts a Modify that has nothing to write.
var errUnchanged = errors.New("leversync: unchanged")

// namesTTL is how long a company's stage and archive reason names are
// reused (a hire is two webhook deliveries; a renamed stage shows within
// it).
const namesTTL = 5 * time.Minute

// Core is what the webhook receiver and the poll share: the stores, Lever
// and the rule that writes an observation. Safe for concurrent use.
type Core struct {
	States      StateStore
	Records     RecordStore
	Connections connection.Getter
	Lever       LeverFactory
	Sealer      Sealer
	Log         *slog.Logger
	Now         func() time.Time

	mu    sync.Mutex
	names map[string]cachedNames // company id → names, for namesTTL
}

type cachedNames struct {
	names
	at time.Time
}

func (c *Core) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

func (c *Core) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}

// Track starts following an exported opportunity: its state begins as the
// export left it (stage at export, not archived), announcing nothing.
// Tracking an opportunity twice keeps the first. Errors: the store's.
func (c *Core) Track(ctx context.Context, companyID, candidateID, opportunityID, stageID string) error {
	return c.States.Track(ctx, State{
		CompanyID: companyID, CandidateID: candidateID, OpportunityID: opportunityID,
		Stage: Ref{ID: stageID}, UpdatedAt: c.now(), Version: 1,
	})
}

// Apply writes o over the opportunity's state when Next says it changes
// it, and reports whether it did. An opportunity leverlink did not export
// is no error: it is not tracked (false, nil). Errors: the store's.
func (c *Core) Apply(ctx context.Context, companyID string, o Observation) (bool, error) {
	_, err := c.States.Modify(ctx, companyID, o.OpportunityID, func(s *State) error {
		n, changed := Next(*s, o)
		if !changed {
			return errUnchanged
		}
		n.UpdatedAt = c.now()
		*s = n
		return nil
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errUnchanged), apperr.Is(err, apperr.NotFound):
		return false, nil
	}
	return false, fmt.Errorf("leversync: apply %s: %w", o.OpportunityID, err)
}

// names are an account's stage and archive reason names.
type names struct {
	stages  map[string]string
	reasons map[string]lever.ArchiveReason
	// reasonsErr is set when the archive reasons read failed with an
	// error worth retrying: an archive cannot be told from a hire.
	reasonsErr error
}

// loadNames reads the account's stages and archive reasons, reusing a
// company's for namesTTL. A failure leaves names unknown: ids are still
// reported, and nothing is cached. A retryable failure of the reasons read
// (Lever's 429, 5xx, timeout: Retryable) is kept in reasonsErr so that
// observe refuses an archived opportunity rather than announce a hire as
// an archive; a lasting one (an old grant lacking archive_reasons:read:admin)
// is not, and archives are announced without reason names or hires.
func (c *Core) loadNames(ctx context.Context, lv Lever, companyID string) names {
	now := c.now()
	c.mu.Lock()
	cached, ok := c.names[companyID]
	c.mu.Unlock()
	if ok && now.Sub(cached.at) < namesTTL {
		return cached.names
	}
	n := names{stages: map[string]string{}, reasons: map[string]lever.ArchiveReason{}}
	complete := true
	if st, err := lv.ListStages(ctx); err == nil {
		for _, s := range st {
			n.stages[s.ID] = s.Text
		}
	} else {
		complete = false
		c.log().WarnContext(ctx, "lever stages unavailable; stage names unknown", "company_id", companyID, "err", err)
	}
	if rs, err := lv.ListArchiveReasons(ctx); err == nil {
		for _, r := range rs {
			n.reasons[r.ID] = r
		}
	} else {
		complete = false
		if Retryable(err) {
			n.reasonsErr = apperr.Wrap(apperr.Transient, err, "lever archive reasons unavailable: a hire cannot be told from an archive")
		}
		c.log().WarnContext(ctx, "lever archive reasons unavailable; reason names unknown", "company_id", companyID, "err", err)
	}
	if complete {
		c.mu.Lock()
		if c.names == nil {
			c.names = map[string]cachedNames{}
		}
		c.names[companyID] = cachedNames{names: n, at: now}
		c.mu.Unlock()
	}
	return n
}

// Retryable is the one rule for "a failed Lever read may succeed if tried
// again": apperr RateLimited or Transient (Lever's 429 and 5xx, timeouts,
// lost connections). Pure.
func Retryable(err error) bool {
	return apperr.Is(err, apperr.RateLimited) || apperr.Is(err, apperr.Transient)
}

// observe turns an opportunity as Lever shows it into an Observation. A
// reason of type hired is a hire (Lever's archive reasons are "hired" or
// "non-hired", #archive-reasons). Errors: apperr Transient for an archived
// opportunity while the reasons read failed retryably (names.reasonsErr):
// writing it as a plain archive would announce candidate.archived, then
// candidate.hired once the reasons are known, for one Lever change.
func (n names) observe(o lever.Opportunity) (Observation, error) {
	if o.Archived != nil && n.reasonsErr != nil {
		return Observation{}, fmt.Errorf("leversync: observe %s: %w", o.ID, n.reasonsErr)
	}
	ob := Observation{
		OpportunityID: o.ID, At: o.UpdatedAt.Time(), StageNames: n.stages,
		Stage: Ref{ID: o.Stage, Name: n.stages[o.Stage]},
	}
	if o.Archived != nil {
		r := n.reasons[o.Archived.Reason]
		ob.Archived = true
		ob.ArchiveReason = Ref{ID: o.Archived.Reason, Name: r.Text}
		ob.Hired = r.Type == "hired"
		if at := o.Archived.ArchivedAt.Time(); at.After(ob.At) {
			ob.At = at
		}
	}
	return ob, nil
}

// usable returns the company's connection and Lever client, or ok false
// when the connection cannot be used (nothing to do until it can).
func (c *Core) usable(ctx context.Context, companyID string) (connection.Connection, Lever, bool, error) {
	conn, reason, err := connection.Usable(ctx, c.Connections, companyID)
	if err != nil || reason != "" {
		return conn, nil, false, err
	}
	lv, err := c.Lever.SyncLever(ctx, conn)
	if err != nil {
		return conn, nil, false, err
	}
	return conn, lv, true, nil
}

// hookEvent reports whether event is one leverlink registers.
func hookEvent(event string) bool { return slices.Contains(Events, event) }
