package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Defaults of the Dispatcher.
const (
	DefaultRetryFor  = 72 * time.Hour      // retry at least this long before parking
	DefaultRetention = 35 * 24 * time.Hour // the feed keeps events at least 30 days
	backoffBase      = 10 * time.Second
	backoffCap       = time.Hour
	claimFor         = 2 * time.Minute // a crashed attempt is retried after this
	pendingPage      = 100
)

// Sender posts one event to the vendor's endpoint. A nil error means the
// endpoint answered 2xx; any other answer, a timeout or a network error is
// an error (with a short, safe text: "status 503", "timeout").
type Sender interface {
	Send(ctx context.Context, ev Event) error
}

// Dispatcher records derived events in the feed and delivers them. Safe
// for concurrent use: concurrent runs for one company never send one event
// at once nor two events of one candidate out of order (a delivery is
// claimed with Store.Modify first).
type Dispatcher struct {
	Store     Store
	Sender    Sender        // nil: no VendorEventsUrl, the feed alone works
	RetryFor  time.Duration // DefaultRetryFor when 0
	Retention time.Duration // DefaultRetention when 0
	Log       *slog.Logger
	Now       func() time.Time
	Rand      func() float64 // jitter source in [0,1); math/rand when nil
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Dispatcher) retryFor() time.Duration {
	if d.RetryFor > 0 {
		return d.RetryFor
	}
	return DefaultRetryFor
}

func (d *Dispatcher) retention() time.Duration {
	if d.Retention > 0 {
		return d.Retention
	}
	return DefaultRetention
}

// Backoff is the wait after the attempt-th failed delivery (1-based):
// 10s·2^(attempt-1) capped at one hour, with jitter taking it to between
// half and all of that (rnd in [0,1)). Pure.
func Backoff(attempt int, rnd float64) time.Duration {
	d := backoffBase
	for i := 1; i < attempt && d < backoffCap; i++ {
		d *= 2
	}
	d = min(d, backoffCap)
	return d/2 + time.Duration(rnd*float64(d/2))
}

// Record appends the events Derive finds in changes to the feed, in order,
// and returns the companies that gained events. An event already in the
// feed (the same change seen again) is not appended twice. An error means
// some were not recorded: the caller retries the whole batch (Append is
// idempotent).
func (d *Dispatcher) Record(ctx context.Context, changes []Change) ([]string, error) {
	var companies []string
	seen := map[string]bool{}
	for _, c := range changes {
		for _, ev := range Derive(c) {
			if _, err := d.Add(ctx, ev); err != nil {
				return companies, err
			}
			if !seen[ev.CompanyID] {
				seen[ev.CompanyID] = true
				companies = append(companies, ev.CompanyID)
			}
		}
	}
	return companies, nil
}

// Add appends one event to the feed (pending delivery when a Sender is
// set, feed-only otherwise) and reports whether it was new. It is the one
// way to emit an event that no stored state change carries; ev.ID must be
// stable for the change (EventID).
func (d *Dispatcher) Add(ctx context.Context, ev Event) (bool, error) {
	now := d.now()
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = now.UTC()
	}
	del := Delivery{State: FeedOnly}
	if d.Sender != nil {
		del = Delivery{State: Pending, NextAttemptAt: now}
	}
	e, appended, err := d.Store.Append(ctx, ev, del, now.Add(d.retention()))
	if err != nil {
		return false, fmt.Errorf("outbox: append %s %s: %w", ev.Type, ev.ID, err)
	}
	if appended {
		d.log().InfoContext(ctx, "outbound event recorded", "company_id", e.CompanyID, "event_id", e.ID, "type", e.Type, "sequence", e.Sequence)
	}
	return appended, nil
}

// HandleChanges records the batch's events, then delivers each company's
// pending events. Only recording errors are returned (the batch is
// retried); delivery failures are recorded on the events.
func (d *Dispatcher) HandleChanges(ctx context.Context, changes []Change) error {
	companies, err := d.Record(ctx, changes)
	for _, c := range companies {
		if derr := d.Deliver(ctx, c); derr != nil {
			d.log().WarnContext(ctx, "deliver outbound events", "company_id", c, "err", derr)
		}
	}
	return err
}

// Sweep delivers every company's due events; the schedule calls it so that
// backed-off events are retried. It returns the first error after trying
// every company.
func (d *Dispatcher) Sweep(ctx context.Context) error {
	if d.Sender == nil {
		return nil
	}
	companies, err := d.Store.PendingCompanies(ctx, 1000)
	if err != nil {
		return fmt.Errorf("outbox: pending companies: %w", err)
	}
	var first error
	for _, c := range companies {
		if err := d.Deliver(ctx, c); err != nil && first == nil {
			first = err
		}
	}
	return first
}

var errNotDue = errors.New("not due")

// Deliver sends companyID's due pending events in sequence order; after an
// event of a candidate fails or is not yet due, that candidate's later
// events wait (per-candidate order). It returns storage errors only.
func (d *Dispatcher) Deliver(ctx context.Context, companyID string) error {
	if d.Sender == nil {
		return nil
	}
	pending, err := d.Store.Pending(ctx, companyID, pendingPage)
	if err != nil {
		return fmt.Errorf("outbox: pending of %s: %w", companyID, err)
	}
	blocked := map[string]bool{}
	for _, e := range pending {
		if blocked[e.OrderKey] {
			continue
		}
		if !d.attempt(ctx, e) {
			blocked[e.OrderKey] = true
		}
	}
	return nil
}

// attempt claims e, sends it and records the answer; it reports whether e
// is now out of the way of its candidate's later events (delivered or
// parked).
func (d *Dispatcher) attempt(ctx context.Context, e Entry) bool {
	log := d.log().With("company_id", e.CompanyID, "event_id", e.ID, "type", e.Type, "sequence", e.Sequence)
	now := d.now()
	claimed, err := d.Store.Modify(ctx, e.CompanyID, e.Sequence, func(x *Entry) error {
		if x.Delivery.State != Pending {
			return nil // settled meanwhile: nothing to change
		}
		if x.Delivery.NextAttemptAt.After(now) {
			return errNotDue
		}
		x.Delivery.Attempts++
		if x.Delivery.FirstAttemptAt.IsZero() {
			x.Delivery.FirstAttemptAt = now
		}
		x.Delivery.NextAttemptAt = now.Add(claimFor)
		return nil
	})
	switch {
	case errors.Is(err, errNotDue) || apperr.Is(err, apperr.Conflict):
		return false // not due, or another run holds it
	case err != nil:
		log.WarnContext(ctx, "claim outbound event", "err", err)
		return false
	case claimed.Delivery.State != Pending:
		return true
	}
	sendErr := d.Sender.Send(ctx, claimed.Event)
	done := d.now()
	settled, err := d.Store.Modify(ctx, e.CompanyID, e.Sequence, func(x *Entry) error {
		if x.Version != claimed.Version {
			return apperr.E(apperr.Conflict, "event %s moved while sending", x.ID)
		}
		if sendErr == nil {
			x.Delivery.State, x.Delivery.DeliveredAt, x.Delivery.LastError = Delivered, done, ""
			x.Delivery.NextAttemptAt = time.Time{}
			return nil
		}
		x.Delivery.LastError = sendErr.Error()
		if done.Sub(x.Delivery.FirstAttemptAt) >= d.retryFor() {
			x.Delivery.State, x.Delivery.NextAttemptAt = Parked, time.Time{}
			return nil
		}
		x.Delivery.NextAttemptAt = done.Add(Backoff(x.Delivery.Attempts, d.rand()))
		return nil
	})
	if err != nil {
		log.WarnContext(ctx, "record delivery", "err", err)
		return false
	}
	switch settled.Delivery.State {
	case Delivered:
		log.InfoContext(ctx, "outbound event delivered", "attempts", settled.Delivery.Attempts)
		return true
	case Parked:
		log.ErrorContext(ctx, "outbound event parked after retrying", "attempts", settled.Delivery.Attempts, "last_error", settled.Delivery.LastError)
		return true
	}
	log.WarnContext(ctx, "outbound event delivery failed", "attempts", settled.Delivery.Attempts, "last_error", settled.Delivery.LastError, "next_attempt_at", settled.Delivery.NextAttemptAt)
	return false
}

func (d *Dispatcher) rand() float64 {
	if d.Rand != nil {
		return d.Rand()
	}
	return rand.Float64()
}
