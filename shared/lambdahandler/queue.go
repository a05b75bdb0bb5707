package lambdahandler

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/logging"
	"github.com/leverlink/leverlink/shared/queue"
)

// BatchFunc is the Lambda handler of a function attached to an SQS queue
// with ReportBatchItemFailures.
type BatchFunc = func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// JobRunner runs export-queue jobs (export.Exporter implements it).
type JobRunner interface {
	// Run executes one job; an error leaves the message for a retry.
	Run(ctx context.Context, j export.Job) error
	// Reject records a job that can never succeed as failed.
	Reject(ctx context.Context, k export.Key, cause error) error
	// Exhaust records the fate of a job whose last delivery failed with
	// cause (export.OutcomeOfLast); nil once recorded.
	Exhaust(ctx context.Context, j export.Job, cause error) error
	// Admit books the job's Lever calls on its company's budget and
	// returns the context to run it with, or apperr RateLimited with
	// RetryAfter: hand the job back.
	Admit(ctx context.Context, j export.Job) (context.Context, error)
}

// Visibility hands received messages back to the queue for a while, up
// to queue.MaxBatch in one request (sqsqueue.Queue implements it).
type Visibility interface {
	ChangeVisibilityBatch(ctx context.Context, changes []queue.VisibilityChange) error
}

var _ JobRunner = (*export.Exporter)(nil)

// Exports is the exporter function's handler. Safe for concurrent use.
type Exports struct {
	Jobs JobRunner
	// Payloads holds the bodies of jobs too large for a message (claim
	// check); nil: only inline jobs can be read.
	Payloads export.Payloads
	// MaxReceives is the export queue's maxReceiveCount (template.yaml's
	// redrive policy, config EXPORT_MAX_RECEIVE_COUNT): a job still failing
	// on that delivery is recorded failed (retries_exhausted) and
	// acknowledged instead of dead-lettered unseen. 0: unknown, never.
	MaxReceives int
	// Queue, when set, takes back the jobs whose company's Lever budget is
	// booked ahead (Jobs.Admit refused them): they and the rest of their
	// group become visible again when their calls are due
	// (export.HandBackDelay), instead of a Lambda sleeping on the bucket.
	// Only deliveries export.MayHandBack allows are handed back. nil:
	// jobs wait on the bucket.
	Queue Visibility
	Log   *slog.Logger
}

// HandleBatch handles an SQS FIFO batch with ReportBatchItemFailures.
// Message groups run in parallel, each in order; after the first failure in
// a group the rest of that group fails too (FIFO semantics), so a
// candidate's pushes never overtake its export. A job its company's budget
// cannot serve soon is handed back the same way, the rest of its group
// with it (see Queue). It never returns an error.
func (h *Exports) HandleBatch(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	groups := map[string][]events.SQSMessage{}
	var order []string
	for _, r := range ev.Records {
		g := r.Attributes["MessageGroupId"]
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], r)
	}
	var (
		mu   sync.Mutex
		resp events.SQSEventResponse
		wg   sync.WaitGroup
		back []handBack
	)
	for _, g := range order {
		wg.Add(1)
		go func(recs []events.SQSMessage) {
			defer wg.Done()
			for i, r := range recs {
				n, _ := strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
				rctx := logging.WithRequestID(ctx, r.MessageId)
				d, err := h.runJob(rctx, []byte(r.Body), n)
				if err != nil || d > 0 {
					mu.Lock()
					for _, rest := range recs[i:] {
						resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rest.MessageId})
						if d > 0 {
							back = append(back, handBack{msg: rest, until: time.Now().Add(d)})
						}
					}
					mu.Unlock()
					return
				}
			}
		}(groups[g])
	}
	wg.Wait()
	h.handBack(ctx, back)
	return resp, nil
}

// handBack is a message to make visible again at until.
type handBack struct {
	msg   events.SQSMessage
	until time.Time
}

// handBack makes the batch's handed-back messages (each group's rest, in
// order) visible again when their company's calls are due, in one request
// per queue.MaxBatch messages. A message whose visibility cannot be changed
// reappears after the queue's visibility timeout instead: later, never
// lost.
func (h *Exports) handBack(ctx context.Context, back []handBack) {
	for len(back) > 0 {
		n := min(len(back), queue.MaxBatch)
		changes := make([]queue.VisibilityChange, n)
		now := time.Now()
		for i, b := range back[:n] {
			// Due at until: what is left of the delay, in whole seconds
			// as SQS counts them, rounded up so it is never early.
			left := (b.until.Sub(now) + time.Second - 1).Truncate(time.Second)
			changes[i] = queue.VisibilityChange{Receipt: b.msg.ReceiptHandle, After: max(left, 0)}
		}
		if err := h.Queue.ChangeVisibilityBatch(ctx, changes); err != nil {
			h.log().WarnContext(ctx, "hand back", "messages", n, "err", err)
		}
		back = back[n:]
	}
}

// RunJob runs one export-queue message body. A malformed body is recorded
// as a failed export of its candidate when its ids can be read (then
// acknowledged); otherwise it is returned as an error and, after the
// queue's maxReceiveCount, lands in the dead-letter queue.
func (h *Exports) RunJob(ctx context.Context, body []byte) error {
	_, err := h.runJob(ctx, body, 0)
	return err
}

// runJob is RunJob for the delivery numbered receiveCount (0: unknown).
// When the job's company's budget is booked ahead and the delivery may be
// handed back (Queue set, export.MayHandBack), it returns how long to hand
// it back for instead of running it. On the last delivery
// (export.LastReceive) a job that would be retried is recorded by
// Jobs.Exhaust and acknowledged; only when that record fails does the
// message go on to the dead-letter queue.
func (h *Exports) runJob(ctx context.Context, body []byte, receiveCount int) (time.Duration, error) {
	j, err := export.ReadJob(ctx, h.Payloads, body)
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		// The payload store failed: retry later.
		h.log().WarnContext(ctx, "job payload unreadable; will be retried", "code", string(apperr.CodeOf(err)), "err", err)
		return 0, err
	}
	if err != nil {
		var ids struct {
			CompanyID   string `json:"companyId"`
			CandidateID string `json:"candidateId"`
		}
		_ = json.Unmarshal(body, &ids)
		if event.CheckID("companyId", ids.CompanyID) == nil && event.CheckID("candidateId", ids.CandidateID) == nil {
			h.log().ErrorContext(ctx, "malformed export job recorded as failed", "company_id", ids.CompanyID, "candidate_id", ids.CandidateID, "err", err)
			return 0, h.Jobs.Reject(ctx, export.Key{CompanyID: ids.CompanyID, CandidateID: ids.CandidateID}, err)
		}
		h.log().ErrorContext(ctx, "unreadable export job left for the dead-letter queue", "err", err)
		return 0, err
	}
	if h.Queue != nil && export.MayHandBack(receiveCount, h.MaxReceives) {
		actx, aerr := h.Jobs.Admit(ctx, j)
		if e := apperr.As(aerr); e != nil && e.Code == apperr.RateLimited {
			return export.HandBackDelay(e.RetryAfter), nil
		}
		if aerr == nil {
			ctx = actx
		} // a storage failure: run unbooked, the calls wait on the bucket
	}
	err = h.Jobs.Run(ctx, j)
	if err == nil {
		return 0, nil
	}
	log := h.log().With("company_id", j.CompanyID, "candidate_id", j.CandidateID, "event_id", j.EventID, "kind", string(j.Kind), "code", string(apperr.CodeOf(err)), "receive_count", receiveCount)
	if export.LastReceive(receiveCount, h.MaxReceives) {
		if xerr := h.Jobs.Exhaust(ctx, j, err); xerr != nil {
			log.ErrorContext(ctx, "last delivery failed and its failure could not be recorded; left for the dead-letter queue", "err", err, "record_err", xerr)
			return 0, err
		}
		log.WarnContext(ctx, "last delivery failed; recorded as failed", "err", err)
		return 0, nil
	}
	log.WarnContext(ctx, "job will be retried", "err", err)
	return 0, err
}

func (h *Exports) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
