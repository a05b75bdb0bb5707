package lambdahandler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/outbox"
)

// ChangeDecoder turns one stream record into a domain change (false: not
// an item that can cause an event). dynamo.StreamChange is the one.
type ChangeDecoder func(events.DynamoDBEventRecord) (outbox.Change, bool, error)

// Tracker starts following an exported opportunity in Lever
// (leversync.Core).
type Tracker interface {
	Track(ctx context.Context, companyID, candidateID, opportunityID, stageID string) error
}

// Dispatch is the dispatcher function's handler. Safe for concurrent use.
type Dispatch struct {
	Dispatcher *outbox.Dispatcher
	Decode     ChangeDecoder
	// Tracker, when set, follows every opportunity an export created or
	// adopted (leversync.ToTrack), so Lever's later changes to it are
	// announced.
	Tracker Tracker
	// Eraser is called for a candidate deleted in Lever
	// (leversync.Erase); leversync.NoErase when nil.
	Eraser leversync.Eraser
	Log    *slog.Logger
}

// Handle is the dispatcher function's entry point. A DynamoDB stream batch
// is recorded in the feed and delivered (an error fails the batch, which
// Lambda retries in order: recording is idempotent); anything else is the
// retry schedule, which delivers every due event and answers {"swept":
// true}.
func (h *Dispatch) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var batch events.DynamoDBEvent
	if err := json.Unmarshal(raw, &batch); err == nil && len(batch.Records) > 0 && batch.Records[0].EventSource == "aws:dynamodb" {
		return nil, h.HandleStream(ctx, batch)
	}
	if err := h.Dispatcher.Sweep(ctx); err != nil {
		return nil, err
	}
	return map[string]bool{"swept": true}, nil
}

// HandleStream decodes the batch's records in order, follows newly
// exported opportunities, erases after deletions in Lever, and hands the
// changes to the dispatcher. A record that cannot be decoded, tracked or
// erased fails the batch (it would otherwise be lost; all three steps are
// idempotent).
func (h *Dispatch) HandleStream(ctx context.Context, batch events.DynamoDBEvent) error {
	changes := make([]outbox.Change, 0, len(batch.Records))
	for _, r := range batch.Records {
		c, ok, err := h.Decode(r)
		if err != nil {
			h.log().ErrorContext(ctx, "undecodable stream record", "event_id", r.EventID, "err", err)
			return fmt.Errorf("stream record %s: %w", r.EventID, err)
		}
		if !ok {
			continue
		}
		if err := h.follow(ctx, c); err != nil {
			h.log().ErrorContext(ctx, "stream record side effect failed", "event_id", r.EventID, "err", err)
			return fmt.Errorf("stream record %s: %w", r.EventID, err)
		}
		changes = append(changes, c)
	}
	return h.Dispatcher.HandleChanges(ctx, changes)
}

// follow applies the Lever sync-back side of one change.
func (h *Dispatch) follow(ctx context.Context, c outbox.Change) error {
	if m := c.NewMarker; m != nil && h.Tracker != nil && leversync.ToTrack(c.OldMarker, *m) {
		if err := h.Tracker.Track(ctx, m.CompanyID, m.CandidateID, m.OpportunityID, m.StageID); err != nil {
			return err
		}
	}
	if s := c.NewLever; s != nil && leversync.Erase(c.OldLever, *s) {
		e := h.Eraser
		if e == nil {
			e = leversync.NoErase{}
		}
		if err := e.Anonymise(ctx, s.CompanyID, s.CandidateID); err != nil {
			return err
		}
	}
	return nil
}

func (h *Dispatch) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
