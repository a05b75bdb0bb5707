package leversync

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/leverhook"
)

// MaxDeliveryAge is how old a delivery's triggeredAt may be. Lever retries
// a failed delivery "five times, waiting longer and longer" (docs
// "Responding to a webhook") with, we assume, the original triggeredAt;
// the docs give no schedule, so the window is generous. A replay inside it
// does no harm: leverlink reads the opportunity from Lever again and writes
// only what changed.
const MaxDeliveryAge = 6 * time.Hour

// Receipt is what a verified delivery led to: "applied" (a change was
// written), "unchanged", or "ignored" (an opportunity leverlink did not
// export or forgot (its candidate erased), or a connection that cannot be used now: the poll catches up).
type Receipt struct {
	Status string `json:"status"`
}

// Receive handles one Lever webhook delivery for companyID (POST
// /v1/lever-webhooks/{companyId}). It verifies the body with the signature
// token of the company's webhook for the delivery's event (leverhook.Verify:
// signed, within MaxDeliveryAge), then reads the opportunity from Lever and
// applies it: the delivery is a cue, Lever's current state is the fact, so
// a webhook and a poll of one change write it once.
//
// Errors: apperr Unauthorized (reason no_webhooks when the company has no
// webhooks, missing_signature, signature_mismatch, stale); apperr Invalid
// for a malformed body or no data.opportunityId; Transient store or Lever
// trouble, including an archive seen while Lever's archive reasons cannot
// be read (Lever retries the delivery; nothing is written meanwhile).
func (c *Core) Receive(ctx context.Context, companyID string, body []byte) (Receipt, error) {
	rec, err := c.Records.GetRecord(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) || err == nil && len(rec.Hooks) == 0 {
		return Receipt{}, apperr.E(apperr.Unauthorized, "no Lever webhooks are registered for this company").WithReason("no_webhooks")
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("leversync: receive: %w", err)
	}
	d, err := leverhook.Parse(body)
	if err != nil {
		return Receipt{}, err
	}
	verr := error(apperr.E(apperr.Unauthorized, "no webhook of this company is registered for event %q", d.Event).WithReason("signature_mismatch"))
	verified := false
	for _, h := range rec.Hooks {
		if h.Event != d.Event {
			continue
		}
		token, err := c.Sealer.Open(companyID, h.SealedToken)
		if err != nil {
			return Receipt{}, fmt.Errorf("leversync: open signature token: %w", err)
		}
		if _, verr = leverhook.Verify(body, token, c.now(), MaxDeliveryAge); verr == nil {
			verified = true
			break
		}
	}
	if !verified {
		return Receipt{}, verr
	}
	log := c.log().With("company_id", companyID, "lever_event", d.Event, "delivery_id", d.ID)
	if _, err := c.Records.ModifyRecord(ctx, companyID, func(r *Record) error {
		if r.Version == 0 {
			return apperr.E(apperr.NotFound, "record removed")
		}
		r.LastDeliveryAt = c.now()
		return nil
	}); err != nil && !apperr.Is(err, apperr.NotFound) {
		log.WarnContext(ctx, "record lever webhook delivery time", "err", err)
	}
	if !hookEvent(d.Event) {
		return Receipt{Status: "ignored"}, nil
	}
	var data struct {
		OpportunityID string `json:"opportunityId"`
	}
	if err := json.Unmarshal(d.Data, &data); err != nil || data.OpportunityID == "" {
		return Receipt{}, apperr.InvalidField("data.opportunityId", "data.opportunityId is required")
	}
	if err := event.CheckID("data.opportunityId", data.OpportunityID); err != nil {
		return Receipt{}, err
	}
	if st, err := c.States.Get(ctx, companyID, data.OpportunityID); apperr.Is(err, apperr.NotFound) || err == nil && st.Forgotten {
		// Not exported, or its candidate erased (Next would refuse the
		// change anyway): Lever is not even read.
		return Receipt{Status: "ignored"}, nil
	} else if err != nil {
		return Receipt{}, fmt.Errorf("leversync: receive: %w", err)
	}
	_, lv, ok, err := c.usable(ctx, companyID)
	if err != nil {
		return Receipt{}, fmt.Errorf("leversync: receive: %w", err)
	}
	if !ok {
		log.InfoContext(ctx, "lever webhook while the connection is unusable; the poll catches up")
		return Receipt{Status: "ignored"}, nil
	}
	at, _ := d.At()
	ob, found, err := c.observeOne(ctx, lv, companyID, data.OpportunityID, d.Event == leverhook.CandidateDeleted, at)
	if err != nil {
		return Receipt{}, err
	}
	if !found {
		return Receipt{Status: "ignored"}, nil
	}
	changed, err := c.Apply(ctx, companyID, ob)
	if err != nil {
		return Receipt{}, err
	}
	if changed {
		log.InfoContext(ctx, "lever change applied from webhook", "opportunity_id", data.OpportunityID)
		return Receipt{Status: "applied"}, nil
	}
	return Receipt{Status: "unchanged"}, nil
}

// observeOne reads one opportunity from Lever. When Lever no longer has it
// and the cue was a deletion, it is observed deleted at at; otherwise a
// missing opportunity is not found (found false). Errors: Lever's, and
// observe's (apperr Transient: the delivery answers 503 and Lever retries
// it).
func (c *Core) observeOne(ctx context.Context, lv Lever, companyID, oppID string, deleted bool, at time.Time) (Observation, bool, error) {
	o, err := lv.GetOpportunity(ctx, oppID)
	if apperr.Is(err, apperr.NotFound) {
		if deleted {
			return Observation{OpportunityID: oppID, At: at, Deleted: true}, true, nil
		}
		return Observation{}, false, nil
	}
	if err != nil {
		return Observation{}, false, fmt.Errorf("leversync: read opportunity: %w", err)
	}
	ob, err := c.loadNames(ctx, lv, companyID).observe(o)
	if err != nil {
		return Observation{}, false, err
	}
	return ob, true, nil
}
