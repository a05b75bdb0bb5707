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
	Reason Reason `json:"reason,omitempty"` // for skipped and ignored
}

// Intake turns verified, parsed webhook events into jobs: it drops replays,
// asks Decide (ViaEvent), records skips and enqueues export and push jobs.
// Safe for concurrent use.
type Intake struct {
	Seen SeenStore
	// Facts reads, in one request, the connection with the position's link
	// (export events) or with the candidate's marker (pushes).
	Facts FactsReader
	// Links reads the link of the position a pushed activity's candidate
	// was exported for.
	Links    LinkGetter
	Markers  Store
	Settings SettingsGetter // nil: the defaults (no general opportunity, the consent gate)
	Queue    Enqueuer
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

// Accept processes one event. A replay of an event already processed is
// answered duplicate. The replay mark is written with the event's first
// write: for an export event answered queued, the marker's queued write
// carries the event id (Store.Queue refuses it again); every other event
// (skipped, ignored, a push, an export queued behind a running attempt) is
// first marked seen (SeenStore, for EventTTL). A replay of an older export
// event whose id a later event of the same candidate replaced on the marker
// is answered by the marker's state instead (see replayMark). Errors are
// apperr Transient when the store or the queue failed (the sender should
// retry): the replay mark is undone, so the retry is processed.
func (in *Intake) Accept(ctx context.Context, e event.Event) (Outcome, error) {
	log := in.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("company_id", e.CompanyID, "event_id", e.ID, "event_type", string(e.Type), "candidate_id", e.CandidateID())
	r := &replayMark{in: in, e: e}
	out, err := in.route(ctx, e, r)
	if err != nil {
		r.undo(ctx, log)
		return Outcome{}, err
	}
	if out.Status == "duplicate" {
		log.InfoContext(ctx, "event replay dropped")
		return out, nil
	}
	log.InfoContext(ctx, "event accepted", "status", out.Status, "reason", out.Reason)
	return out, nil
}

// replayMark is one event's replay mark, written at most once: the
// seen-event record (SeenStore), or the event id on the candidate's marker
// written by Store.Queue. The marker holds one event id, the last queued:
// a replay of an older event is not a duplicate for it, and Decide answers
// it on the marker (skipped already_exported once exported; queued again,
// harmlessly, while the later event's job waits: the claim lets one job
// write), after which it is marked seen like any event not queued.
type replayMark struct {
	in     *Intake
	e      event.Event
	seen   bool // the seen-event record was written
	queued *Key // Queue recorded the event id on this marker
}

func (r *replayMark) seenID() string { return r.e.CompanyID + "/" + r.e.ID }

// markSeen writes the seen-event record, unless the event is marked
// already; duplicate is true when the record existed (a replay).
func (r *replayMark) markSeen(ctx context.Context) (duplicate bool, err error) {
	if r.seen || r.queued != nil {
		return false, nil
	}
	ttl := r.in.EventTTL
	if ttl <= 0 {
		ttl = 72 * time.Hour
	}
	err = r.in.Seen.MarkSeen(ctx, r.seenID(), r.in.now(), ttl)
	if apperr.Is(err, apperr.Conflict) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("intake: mark event: %w", err)
	}
	r.seen = true
	return false, nil
}

// undoTimeout bounds the undo of a replay mark made after the request's
// context ended.
const undoTimeout = 2 * time.Second

// undo removes the mark written (nothing was queued), so that the sender's
// retry is processed. It runs even when ctx is done. If the undo itself
// fails, it is logged: a retry is then answered duplicate until the mark
// expires (seen record) or a later event replaces it (marker), and a
// queued marker without a job stops holding the Export button after
// QueuedStaleAfter.
func (r *replayMark) undo(ctx context.Context, log *slog.Logger) {
	if r.seen {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
		defer cancel()
		if err := r.in.Seen.Forget(sctx, r.seenID()); err != nil {
			log.ErrorContext(ctx, "forget event id after failure", "err", err, "code", string(apperr.CodeOf(err)))
		}
	}
	if r.queued != nil {
		if err := forgetQueued(ctx, r.in.Markers, *r.queued, r.e.ID); err != nil {
			log.ErrorContext(ctx, "forget queued event id after failure", "err", err, "code", string(apperr.CodeOf(err)))
		}
	}
}

// forgetQueued undoes the event id Queue recorded on k when the job it
// stood for could not be sent (Store.ForgetEvent), on a context that
// outlives the request's (bounded by undoTimeout), so that the sender's
// retry (or the next click) queues again.
func forgetQueued(ctx context.Context, markers Store, k Key, eventID string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	return markers.ForgetEvent(ctx, k, eventID)
}

// replayed is route's answer when writing the replay mark found e
// processed already (duplicate) or failed (err).
func replayed(err error) (Outcome, error) {
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Status: "duplicate"}, nil
}

// route reads what Decide needs for e, applies its answer and queues the
// job when it says Export (or Wait: the FIFO group orders it after the
// attempt in flight), writing e's replay mark (r) with its first write.
func (in *Intake) route(ctx context.Context, e event.Event, r *replayMark) (Outcome, error) {
	candidateID := e.CandidateID()
	key := Key{CompanyID: e.CompanyID, CandidateID: candidateID}
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
	if job.Kind == KindPush {
		// A push never reaches Queue: its replay mark comes first.
		if dup, err := r.markSeen(ctx); err != nil || dup {
			return replayed(err)
		}
	}
	// One read for the connection and what Decide looks at beside it: a
	// push's candidate marker, an export's link. An export's marker is not
	// read up front: the queued write answers with the marker it refused
	// (exported, erased, claimed), and a skip reads it (an exported
	// candidate is answered already_exported whatever else holds).
	q := FactsQuery{CompanyID: e.CompanyID}
	switch {
	case job.Kind == KindPush:
		q.CandidateID = candidateID
	case e.Type != event.PositionChanged && job.PostingID == "":
		q.PositionID = job.PositionID
	}
	f, err := readFacts(ctx, in.Facts, q)
	if err != nil {
		return Outcome{}, fmt.Errorf("intake: %w", err)
	}
	conn := f.Conn
	d := Input{Via: ViaEvent, Job: job.Kind, Conn: conn, Event: e.Type, Candidate: job.Candidate, PositionID: job.PositionID, PostingID: job.PostingID, Now: in.now()}
	switch {
	case job.Kind == KindPush:
		d.Marker, d.MarkerFound = f.Marker, f.MarkerFound
		if d.MarkerFound && d.Marker.State == Exported {
			d.Link, d.LinkFound, err = readLink(ctx, in.Links, e.CompanyID, d.Marker.PositionID)
		}
	case e.Type != event.PositionChanged && waitsOrActive(conn):
		// Decide looks at the link (or posting) only for a usable connection.
		if job.PostingID != "" {
			d.PostingState, err = readPostingState(ctx, in.Postings, e.CompanyID, job.PostingID)
		} else {
			d.Link, d.LinkFound = f.Link, f.LinkFound
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
		var dup bool
		if dec, dup, err = in.queueExport(ctx, key, job, d, dec, r); err != nil || dup {
			return replayed(err)
		}
	}
	// Not recorded by Queue: mark the event before its write or send.
	if dup, err := r.markSeen(ctx); err != nil || dup {
		return replayed(err)
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
// queued state first, with the event id as its replay mark (Queued is a
// state: the status answers in_progress from now on, and a push that
// follows at once is queued behind this export), and when that write is
// refused (exported, erased or claimed) Decide answers again on the marker
// it returned; any other answer reads the marker and asks Decide again.
// Either way Decide sees the marker, at the cost of one request. dup is
// true for a replay: Queue refused the event id the marker carries, or the
// marker read carries it (the event was queued before).
func (in *Intake) queueExport(ctx context.Context, key Key, job Job, d Input, dec Decision, r *replayMark) (redo Decision, dup bool, err error) {
	if dec.Action == Export || dec.Action == Wait {
		m, wrote, err := in.Markers.Queue(ctx, key, in.now(), job.PositionID, job.EventID)
		if apperr.Is(err, apperr.Conflict) {
			return Decision{}, true, nil
		}
		if err != nil {
			return Decision{}, false, fmt.Errorf("intake: record queued: %w", err)
		}
		if wrote {
			r.queued = &key
			return dec, false, nil
		}
		d.Marker, d.MarkerFound = m, true
	} else {
		if d.Marker, d.MarkerFound, err = readMarker(ctx, in.Markers, key); err != nil {
			return Decision{}, false, fmt.Errorf("intake: %w", err)
		}
		if !d.MarkerFound {
			return dec, false, nil
		}
		if d.Marker.LastEventID == job.EventID {
			return Decision{}, true, nil
		}
	}
	redo, _, err = decideWithSettings(ctx, in.Settings, key.CompanyID, d)
	if err != nil {
		return Decision{}, false, fmt.Errorf("intake: %w", err)
	}
	return redo, false, nil
}
