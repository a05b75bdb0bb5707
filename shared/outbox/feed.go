package outbox

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Feed limits.
const (
	DefaultPage = 100
	MaxPage     = 500
)

// Feed serves a company's events (GET /v1/companies/{id}/events) and
// redelivers them. Safe for concurrent use.
type Feed struct {
	Store Store
	// Delivering says a VendorEventsUrl is set: Redeliver is refused
	// without one.
	Delivering bool
	// Dispatcher, when it has a Sender, delivers redelivered events at
	// once; otherwise the dispatcher's retry schedule does.
	Dispatcher *Dispatcher
	// Cursors makes and reads the feed's cursors; PlainCursors when nil.
	// The one place to plug a signed cursor (bound to the company) in.
	Cursors CursorCodec
	Now     func() time.Time
}

// CursorCodec turns a company's feed position (the sequence a reader has
// read up to) into an opaque cursor and back. Decode returns 0 for "" and
// apperr Invalid naming field for a cursor it did not make.
type CursorCodec interface {
	Encode(companyID string, seq int64) string
	Decode(companyID, field, cursor string) (int64, error)
}

// PlainCursors is the default CursorCodec (EncodeCursor, DecodeCursor).
type PlainCursors struct{}

// Encode implements CursorCodec.
func (PlainCursors) Encode(_ string, seq int64) string { return EncodeCursor(seq) }

// Decode implements CursorCodec.
func (PlainCursors) Decode(_, field, c string) (int64, error) { return DecodeCursor(field, c) }

func (f *Feed) cursors() CursorCodec {
	if f.Cursors != nil {
		return f.Cursors
	}
	return PlainCursors{}
}

func (f *Feed) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Page is one page of the feed: events in sequence order, each with its
// delivery record, and the cursor to pass as after for the next page (the
// last event's, or the request's own when the page is empty, so a reader
// can poll with it).
type Page struct {
	Events []Entry
	Cursor string
}

// EncodeCursor returns the opaque cursor that stands after sequence seq.
func EncodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + strconv.FormatInt(seq, 10)))
}

// DecodeCursor returns the sequence a cursor stands after: 0 for "" (the
// start). A cursor leverlink did not make is apperr Invalid naming field.
func DecodeCursor(field, c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	s, ok := strings.CutPrefix(string(b), "v1:")
	n, perr := strconv.ParseInt(s, 10, 64)
	if err != nil || !ok || perr != nil || n < 0 {
		return 0, apperr.InvalidField(field, "not a cursor of this feed")
	}
	return n, nil
}

// List returns up to limit (DefaultPage when 0, at most MaxPage) events of
// companyID after the cursor. Errors: apperr Invalid naming "after" or
// "limit".
func (f *Feed) List(ctx context.Context, companyID, after string, limit int) (Page, error) {
	seq, err := f.cursors().Decode(companyID, "after", after)
	if err != nil {
		return Page{}, err
	}
	if limit == 0 {
		limit = DefaultPage
	}
	if limit < 0 || limit > MaxPage {
		return Page{}, apperr.InvalidField("limit", "must be between 1 and %d", MaxPage)
	}
	es, err := f.Store.List(ctx, companyID, seq, limit)
	if err != nil {
		return Page{}, fmt.Errorf("outbox: list feed: %w", err)
	}
	p := Page{Events: es, Cursor: after}
	if len(es) > 0 {
		p.Cursor = f.cursors().Encode(companyID, es[len(es)-1].Sequence)
	}
	if p.Events == nil {
		p.Events = []Entry{}
	}
	return p, nil
}

// Redeliver makes every event of companyID after the cursor pending again
// (attempts start over) and delivers them now, in order per candidate. It
// returns how many were queued. Errors: apperr Invalid naming "after";
// apperr Conflict (reason no_vendor_url) when no VendorEventsUrl is set.
func (f *Feed) Redeliver(ctx context.Context, companyID, after string) (int, error) {
	seq, err := f.cursors().Decode(companyID, "after", after)
	if err != nil {
		return 0, err
	}
	if !f.Delivering {
		return 0, apperr.E(apperr.Conflict, "no VendorEventsUrl is set: read the feed instead").WithReason("no_vendor_url")
	}
	now := f.now()
	n := 0
	for {
		es, err := f.Store.List(ctx, companyID, seq, MaxPage)
		if err != nil {
			return n, fmt.Errorf("outbox: list feed: %w", err)
		}
		for _, e := range es {
			if _, err := f.Store.Modify(ctx, companyID, e.Sequence, func(x *Entry) error {
				x.Delivery = Delivery{State: Pending, NextAttemptAt: now}
				return nil
			}); err != nil {
				return n, fmt.Errorf("outbox: redeliver %s: %w", e.ID, err)
			}
			n++
			seq = e.Sequence
		}
		if len(es) < MaxPage {
			break
		}
	}
	if f.Dispatcher != nil {
		if err := f.Dispatcher.Deliver(ctx, companyID); err != nil {
			return n, err
		}
	}
	return n, nil
}
