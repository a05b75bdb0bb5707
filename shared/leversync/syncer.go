package leversync

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
)

// pollOverlap reaches back before the last poll's start, for clock skew
// between Lever and leverlink; updated_at_start is inclusive and Next
// drops what is already known.
const pollOverlap = time.Minute

// Syncer keeps a company's Lever webhooks in place and polls Lever when
// they are missing or silent; the refresher runs it for every connected
// company each period, and after connect and reconnect (the OAuth callback
// requests a refresh). Safe for concurrent use; two concurrent Syncs of one
// company may register a webhook twice (a schedule names a company in one
// refresh request only, so they are not expected).
type Syncer struct {
	*Core
	// HookBase is the public URL of the webhook route without the company
	// (LEVER_WEBHOOK_URL, e.g. https://…/v1/lever-webhooks); "" registers
	// no webhooks: the poll alone runs.
	HookBase string
	// PollEvery polls a company with working webhooks when its last poll
	// is this old (DefaultPollEvery when 0). Keep it below the refresh
	// period for the one-period guarantee; more trades that guarantee for
	// fewer Lever calls (two per company per poll when nothing changed).
	PollEvery time.Duration
}

// HookURL is the URL Lever delivers companyID's webhooks to.
func (s *Syncer) HookURL(companyID string) string {
	if s.HookBase == "" {
		return ""
	}
	return strings.TrimRight(s.HookBase, "/") + "/" + url.PathEscape(companyID)
}

// SyncResult reports one Sync.
type SyncResult struct {
	Registered int  // webhooks created
	Polled     bool // Lever was polled
	Applied    int  // changes written by the poll
}

// Sync registers the company's missing webhooks (all of them again after a
// reconnect) and polls Lever when NeedsPoll says so. A company whose
// connection cannot be used is skipped (zero result, nil). A failed
// registration is recorded (Record.HookError) and leaves the poll to do the
// work. Errors: Transient store or Lever trouble during the poll, including
// an archive seen while Lever's archive reasons cannot be read (the
// refresher retries; the poll's start only advances after a full pass).
func (s *Syncer) Sync(ctx context.Context, companyID string) (SyncResult, error) {
	var res SyncResult
	conn, lv, ok, err := s.usable(ctx, companyID)
	if err != nil {
		return res, fmt.Errorf("leversync: sync: %w", err)
	}
	if !ok {
		return res, nil
	}
	rec, err := s.Records.GetRecord(ctx, companyID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return res, fmt.Errorf("leversync: sync: %w", err)
	}
	rec.CompanyID = companyID
	if rec, res.Registered, err = s.ensureHooks(ctx, conn, lv, rec); err != nil {
		return res, err
	}
	every := s.PollEvery
	if every <= 0 {
		every = DefaultPollEvery
	}
	if !rec.NeedsPoll(s.now(), every) {
		return res, nil
	}
	res.Polled = true
	res.Applied, err = s.poll(ctx, conn, lv, rec)
	return res, err
}

// ensureHooks creates the webhooks rec lacks at HookURL; after a reconnect
// (the connection is newer than the webhooks) it replaces them all.
func (s *Syncer) ensureHooks(ctx context.Context, conn connection.Connection, lv Lever, rec Record) (Record, int, error) {
	hookURL := s.HookURL(conn.CompanyID)
	if hookURL == "" {
		return rec, 0, nil
	}
	stale := rec.URL != hookURL || conn.ConnectedAt.After(rec.RegisteredAt)
	missing := rec.Missing(hookURL)
	if !stale && len(missing) == 0 {
		return rec, 0, nil
	}
	log := s.log().With("company_id", conn.CompanyID)
	if !conn.HasScope(ScopeWebhooks) {
		if rec.HookError == "scope_missing" && rec.URL == hookURL {
			return rec, 0, nil
		}
		return s.saveHooks(ctx, rec, hookURL, rec.Hooks, "scope_missing")
	}
	keep := rec.Hooks
	if stale {
		s.deleteHooks(ctx, lv, conn.CompanyID, rec.Hooks)
		keep, missing = nil, slices.Clone(Events)
	}
	var created []Hook
	hookErr := ""
	for _, ev := range missing {
		w, err := lv.CreateWebhook(ctx, hookURL, ev)
		if err != nil {
			hookErr = string(apperr.CodeOf(err))
			log.WarnContext(ctx, "register lever webhook; the poll covers", "lever_event", ev, "err", err)
			break
		}
		sealed, err := s.Sealer.Seal(conn.CompanyID, w.SignatureToken)
		if err != nil {
			s.deleteHooks(ctx, lv, conn.CompanyID, append(created, Hook{ID: w.ID, Event: ev}))
			return rec, 0, fmt.Errorf("leversync: seal signature token: %w", err)
		}
		created = append(created, Hook{ID: w.ID, Event: ev, SealedToken: sealed})
	}
	out, _, err := s.saveHooks(ctx, rec, hookURL, append(slices.Clone(keep), created...), hookErr)
	if err != nil {
		// Their signature tokens would be lost: remove them from Lever.
		s.deleteHooks(ctx, lv, conn.CompanyID, created)
		return rec, 0, err
	}
	if len(created) > 0 {
		log.InfoContext(ctx, "lever webhooks registered", "webhooks", len(created))
	}
	return out, len(created), nil
}

func (s *Syncer) saveHooks(ctx context.Context, rec Record, hookURL string, hooks []Hook, hookErr string) (Record, int, error) {
	out, err := s.Records.ModifyRecord(ctx, rec.CompanyID, func(r *Record) error {
		r.CompanyID, r.URL, r.Hooks, r.HookError = rec.CompanyID, hookURL, hooks, hookErr
		r.RegisteredAt = s.now()
		return nil
	})
	if err != nil {
		return rec, 0, fmt.Errorf("leversync: record webhooks: %w", err)
	}
	return out, 0, nil
}

// deleteHooks removes webhooks from Lever, best effort (one already gone
// is fine; a failure is logged: its deliveries are then refused).
func (s *Syncer) deleteHooks(ctx context.Context, lv Lever, companyID string, hooks []Hook) {
	for _, h := range hooks {
		if err := lv.DeleteWebhook(ctx, h.ID); err != nil && !apperr.Is(err, apperr.NotFound) {
			s.log().WarnContext(ctx, "remove lever webhook", "company_id", companyID, "webhook_id", h.ID, "err", err)
		}
	}
}

// poll reads the opportunities Lever updated or deleted since the last
// poll (from the connection time on the first) and applies those leverlink
// exported, then records the poll.
func (s *Syncer) poll(ctx context.Context, conn connection.Connection, lv Lever, rec Record) (int, error) {
	start := s.now()
	from := rec.PollFrom
	if from.IsZero() {
		from = conn.ConnectedAt
	}
	from = from.Add(-pollOverlap)
	opps, err := lv.ListOpportunities(ctx, lever.OppFilter{UpdatedAtStart: from, Confidentiality: conn.Confidentiality()})
	if err != nil {
		return 0, fmt.Errorf("leversync: poll opportunities: %w", err)
	}
	var obs []Observation
	var nm *names
	for _, o := range opps {
		if tracked, err := s.tracked(ctx, conn.CompanyID, o.ID); err != nil {
			return 0, err
		} else if !tracked {
			continue
		}
		if nm == nil {
			n := s.loadNames(ctx, lv, conn.CompanyID)
			nm = &n
		}
		ob, err := nm.observe(o)
		if err != nil {
			// Nothing is written for an archive until the reasons are
			// known; PollFrom stays, so the next poll reads it again.
			return 0, err
		}
		obs = append(obs, ob)
	}
	deleted, err := lv.ListDeletedOpportunities(ctx, from)
	if err != nil {
		return 0, fmt.Errorf("leversync: poll deleted opportunities: %w", err)
	}
	for _, d := range deleted {
		obs = append(obs, Observation{OpportunityID: d.ID, At: d.DeletedAt.Time(), Deleted: true})
	}
	applied := 0
	for _, o := range obs {
		changed, err := s.Apply(ctx, conn.CompanyID, o)
		if err != nil {
			return applied, err
		}
		if changed {
			applied++
		}
	}
	if _, err := s.Records.ModifyRecord(ctx, conn.CompanyID, func(r *Record) error {
		r.CompanyID, r.PolledAt, r.PollFrom = conn.CompanyID, start, start
		return nil
	}); err != nil {
		return applied, fmt.Errorf("leversync: record poll: %w", err)
	}
	if applied > 0 {
		s.log().InfoContext(ctx, "lever changes applied from poll", "company_id", conn.CompanyID, "applied", applied)
	}
	return applied, nil
}

// tracked reports whether the poll follows oppID: tracked and not
// forgotten (Next refuses a forgotten one's changes anyway; skipping it
// spares reading Lever's names for it).
func (s *Syncer) tracked(ctx context.Context, companyID, oppID string) (bool, error) {
	st, err := s.States.Get(ctx, companyID, oppID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("leversync: poll: %w", err)
	}
	return !st.Forgotten, nil
}

// RemoveWebhooks removes the company's webhooks from Lever (while its
// connection can still be used) and forgets them; called by disconnect
// before the tokens go. Lever failures are logged, not returned: a webhook
// left behind is refused at the route (no_webhooks). Errors: the store's.
func (s *Syncer) RemoveWebhooks(ctx context.Context, companyID string) error {
	rec, err := s.Records.GetRecord(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("leversync: remove webhooks: %w", err)
	}
	if _, lv, ok, err := s.usable(ctx, companyID); err == nil && ok {
		s.deleteHooks(ctx, lv, companyID, rec.Hooks)
	} else if len(rec.Hooks) > 0 {
		s.log().WarnContext(ctx, "lever webhooks left in Lever: the connection cannot be used", "company_id", companyID, "webhooks", len(rec.Hooks))
	}
	if err := s.Records.DeleteRecord(ctx, companyID); err != nil {
		return fmt.Errorf("leversync: remove webhooks: %w", err)
	}
	return nil
}
