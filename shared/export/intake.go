package export

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
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
	Reason Reason `json:"reason,omitempty"` // for skipped and ignored
}

// Intake turns verified, parsed webhook events into jobs: it drops replays,
// asks Decide (ViaEvent), records skips and enqueues export and push jobs.
// Safe for concurrent use.
type Intake struct {
	Seen        SeenStore
	Connections ConnectionGetter
	Links       LinkGetter
	Markers     Store
	Settings    SettingsGetter // nil: the defaults (no general opportunity, the consent gate)
	Queue       Enqueuer
	// Postings reads the postings cache for applications that name their
	// posting (nil: such applications are skipped posting_not_found).
	Postings PostingGetter
	Payloads Payloads // large jobs (claim check); nil: inline only
	EventTTL time.Duration
	Log      *slog.Logger
	Now      func() time.Time
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

// route reads what Decide needs for e, applies its answer and queues the
// job when it says Export (or Wait: the FIFO group orders it after the
// attempt in flight).
func (in *Intake) route(ctx context.Context, e event.Event, log *slog.Logger) (Outcome, error) {
	candidateID := e.CandidateID()
	key := Key{CompanyID: e.CompanyID, CandidateID: candidateID}
	conn, _, err := connection.Usable(ctx, in.Connections, e.CompanyID)
	if err != nil {
		return Outcome{}, fmt.Errorf("intake: %w", err)
	}
	job := Job{CompanyID: e.CompanyID, CandidateID: candidateID, EventID: e.ID, EventType: e.Type, EnqueuedAt: in.now()}
	switch {
	case e.Message != nil:
		job.Kind, job.Message = KindPush, &e.Message.Message
	case e.Note != nil:
		job.Kind, job.Note = KindPush, &e.Note.Note
	default:
		job.Kind, job.Candidate, job.PositionID = KindExport, &e.Candidate.Candidate, e.Candidate.PositionID
		job.Origin = lever.OriginSourced
		if e.Type == event.Applied {
			job.Origin = lever.OriginApplied
		}
		job.PostingID = e.Candidate.PostingID
	}
	d := Input{Via: ViaEvent, Job: job.Kind, Conn: conn, Event: e.Type, Candidate: job.Candidate, PositionID: job.PositionID, PostingID: job.PostingID, Now: in.now()}
	// Read only what Decide will look at: the link (or posting) only for a
	// usable connection. An export's marker is not read up front: the
	// queued write answers with the marker it refused (exported, erased,
	// claimed), and a skip reads it (an exported candidate is answered
	// already_exported whatever else holds).
	switch {
	case job.Kind == KindPush:
		err = readPushFacts(ctx, in.Markers, in.Links, key, &d)
	case e.Type != event.PositionChanged && waitsOrActive(conn):
		if job.PostingID != "" {
			d.PostingState, err = readPostingState(ctx, in.Postings, e.CompanyID, job.PostingID)
		} else {
			d.Link, d.LinkFound, err = readLink(ctx, in.Links, e.CompanyID, job.PositionID)
		}
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("intake: %w", err)
	}
	dec, _, err := decideWithSettings(ctx, in.Settings, e.CompanyID, d)
	if err != nil {
		return Outcome{}, fmt.Errorf("intake: %w", err)
	}
	if job.Kind == KindExport && e.Type != event.PositionChanged {
		if dec, err = in.queueExport(ctx, key, job, d, dec); err != nil {
			return Outcome{}, err
		}
	}
	switch dec.Action {
	case Skip:
		k := key
		if job.Kind == KindPush {
			k.ActivityID = job.ActivityID() // a push's skip is its activity's
		}
		var err error
		if job.PostingID != "" {
			err = recordPostingSkip(ctx, in.Markers, k, in.now(), dec.Reason, job.PostingID)
		} else {
			err = recordSkip(ctx, in.Markers, k, in.now(), dec.Reason, job.PositionID)
		}
		if err != nil {
			return Outcome{}, fmt.Errorf("intake: %w", err)
		}
		return Outcome{Status: "skipped", Reason: dec.Reason}, nil
	case Ignore:
		return Outcome{Status: "ignored", Reason: dec.Reason}, nil
	}
	if err := SendJob(ctx, in.Queue, in.Payloads, job); err != nil {
		return Outcome{}, fmt.Errorf("intake: %w", err)
	}
	return Outcome{Status: "queued"}, nil
}

// queueExport completes dec, Decide's answer for an export made without
// the candidate's marker, with the marker: an answer to queue records the
// queued state first (Queued is a state: the status answers in_progress
// from now on, and a push that follows at once is queued behind this
// export), and when that write is refused (exported, erased or claimed)
// Decide answers again on the marker it returned; any other answer reads
// the marker and asks Decide again. Either way Decide sees the marker, at
// the cost of one request.
func (in *Intake) queueExport(ctx context.Context, key Key, job Job, d Input, dec Decision) (Decision, error) {
	if dec.Action == Export || dec.Action == Wait {
		m, wrote, err := in.Markers.Queue(ctx, key, in.now(), job.PositionID)
		if err != nil {
			return Decision{}, fmt.Errorf("intake: record queued: %w", err)
		}
		if wrote {
			return dec, nil
		}
		d.Marker, d.MarkerFound = m, true
	} else {
		var err error
		if d.Marker, d.MarkerFound, err = readMarker(ctx, in.Markers, key); err != nil {
			return Decision{}, fmt.Errorf("intake: %w", err)
		}
		if !d.MarkerFound {
			return dec, nil
		}
	}
	redo, _, err := decideWithSettings(ctx, in.Settings, key.CompanyID, d)
	if err != nil {
		return Decision{}, fmt.Errorf("intake: %w", err)
	}
	return redo, nil
}
