package export

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
)

// Enqueuer sends one job to the FIFO export queue.
type Enqueuer interface {
	Enqueue(ctx context.Context, group, dedupID string, body []byte) error
}

// SeenStore remembers processed event ids (event.SeenStore plus Forget, to
// undo a mark when the job could not be queued).
type SeenStore interface {
	event.SeenStore
	Forget(ctx context.Context, id string) error
}

// Outcome says what intake did with an event.
type Outcome struct {
	Status string `json:"status"`           // queued | duplicate | skipped | ignored
	Reason string `json:"reason,omitempty"` // for skipped and ignored
}

// Intake turns verified, parsed webhook events into jobs: it drops replays,
// evaluates the position link's trigger and the consent gate, records skips
// and enqueues export and push jobs. Safe for concurrent use.
type Intake struct {
	Seen        SeenStore
	Connections ConnectionGetter
	Links       LinkGetter
	Markers     Store
	Queue       Enqueuer
	EventTTL    time.Duration
	Log         *slog.Logger
	Now         func() time.Time
}

func (in *Intake) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// Accept processes one event. Errors are apperr Transient when the store or
// the queue failed (the sender should retry; nothing was recorded).
func (in *Intake) Accept(ctx context.Context, e event.Event) (Outcome, error) {
	log := in.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("company_id", e.CompanyID, "event_id", e.ID, "event_type", string(e.Type), "candidate_id", e.CandidateID())
	ttl := in.EventTTL
	if ttl <= 0 {
		ttl = 72 * time.Hour
	}
	if err := in.Seen.MarkSeen(ctx, e.CompanyID+"/"+e.ID, in.now(), ttl); apperr.Is(err, apperr.Conflict) {
		log.InfoContext(ctx, "event replay dropped")
		return Outcome{Status: "duplicate"}, nil
	} else if err != nil {
		return Outcome{}, fmt.Errorf("intake: mark event: %w", err)
	}
	out, err := in.route(ctx, e, log)
	if err != nil {
		// Nothing was queued: forget the id so the sender's retry is processed.
		if ferr := in.Seen.Forget(ctx, e.CompanyID+"/"+e.ID); ferr != nil {
			log.ErrorContext(ctx, "forget event id after failure", "err", ferr)
		}
		return Outcome{}, err
	}
	log.InfoContext(ctx, "event accepted", "status", out.Status, "reason", out.Reason)
	return out, nil
}

func (in *Intake) route(ctx context.Context, e event.Event, log *slog.Logger) (Outcome, error) {
	candidateID := e.CandidateID()
	key := Key{CompanyID: e.CompanyID, CandidateID: candidateID}
	conn, reason, err := usableConnection(ctx, in.Connections, e.CompanyID)
	if err != nil {
		return Outcome{}, fmt.Errorf("intake: %w", err)
	}
	if reason != "" {
		if e.Type.IsCandidate() {
			if err := in.skip(ctx, key, reason, positionOf(e)); err != nil {
				return Outcome{}, err
			}
		}
		return Outcome{Status: "skipped", Reason: reason}, nil
	}
	job := Job{CompanyID: e.CompanyID, CandidateID: candidateID, EventID: e.ID, EventType: e.Type, EnqueuedAt: in.now()}
	switch {
	case e.Message != nil:
		job.Kind, job.Message = KindPush, &e.Message.Message
	case e.Note != nil:
		job.Kind, job.Note = KindPush, &e.Note.Note
	default:
		d := e.Candidate
		if e.Type == event.PositionChanged {
			// An exported candidate stays on its posting; a position change
			// is not a trigger by itself.
			return Outcome{Status: "ignored", Reason: "position_changed_is_not_a_trigger"}, nil
		}
		if m, err := in.Markers.Get(ctx, key); err == nil && m.State == Exported {
			return Outcome{Status: "ignored", Reason: ReasonAlreadyExported}, nil
		}
		if d.PositionID == "" {
			if !conn.AllowGeneralOpportunity || (e.Type != event.ContactAccepted && e.Type != event.Applied) {
				if err := in.skip(ctx, key, ReasonPositionNotLinked, d.PositionID); err != nil {
					return Outcome{}, err
				}
				return Outcome{Status: "skipped", Reason: ReasonPositionNotLinked}, nil
			}
		} else {
			l, err := in.Links.Get(ctx, e.CompanyID, d.PositionID)
			if apperr.Is(err, apperr.NotFound) {
				if err := in.skip(ctx, key, ReasonPositionNotLinked, d.PositionID); err != nil {
					return Outcome{}, err
				}
				return Outcome{Status: "skipped", Reason: ReasonPositionNotLinked}, nil
			}
			if err != nil {
				return Outcome{}, fmt.Errorf("intake: read link: %w", err)
			}
			if !event.Fires(l.Trigger, e.Type) {
				return Outcome{Status: "ignored", Reason: "trigger_not_reached"}, nil
			}
		}
		if !conn.ExportBeforeConsent && !event.ConsentGiven(e.Type, d.Candidate) {
			if err := in.skip(ctx, key, ReasonNoConsent, d.PositionID); err != nil {
				return Outcome{}, err
			}
			return Outcome{Status: "skipped", Reason: ReasonNoConsent}, nil
		}
		job.Kind, job.Candidate, job.PositionID = KindExport, &d.Candidate, d.PositionID
		job.Origin = lever.OriginSourced
		if e.Type == event.Applied {
			job.Origin = lever.OriginApplied
		}
	}
	body, err := job.Encode()
	if err != nil {
		return Outcome{}, apperr.Wrap(apperr.Internal, err, "encode job")
	}
	if err := in.Queue.Enqueue(ctx, job.GroupID(), job.DedupID(), body); err != nil {
		return Outcome{}, fmt.Errorf("intake: enqueue: %w", err)
	}
	return Outcome{Status: "queued"}, nil
}

func (in *Intake) skip(ctx context.Context, k Key, reason, positionID string) error {
	if err := recordSkip(ctx, in.Markers, k, in.now(), reason, positionID); err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	return nil
}

// positionOf is the position a candidate event is about, "" for others.
func positionOf(e event.Event) string {
	if e.Candidate != nil {
		return e.Candidate.PositionID
	}
	return ""
}
