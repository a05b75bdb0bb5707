// Package sqspoll feeds an SQS queue to a Lambda batch handler the way the
// Lambda event source mapping does, for the local stack, the tests and the
// benchmarks (in AWS the mapping itself polls).
package sqspoll

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/sqsqueue"
)

// Queue is what polling needs of a queue (shared/sqsqueue implements it).
type Queue interface {
	Receive(ctx context.Context, max int, wait, visibility time.Duration) ([]sqsqueue.Message, error)
	DeleteBatch(ctx context.Context, receipts []string) error
	URL() string
}

// BatchHandler handles one SQS batch with partial batch failures, as a
// Lambda function attached to the queue does.
type BatchHandler func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// Poller behaves like the Lambda event source mapping of one queue, for the
// local stack and tests: it receives up to Batch messages, calls Handler,
// deletes the messages that did not fail and leaves the failed ones to
// reappear after their visibility timeout; like the mapping, it deletes a
// batch's handled messages in one request (the queue's redrive policy moves
// them to the DLQ after maxReceiveCount). Like the mapping's
// MaximumConcurrency, Run handles up to Concurrency batches at once, so a
// queue shared by every company is served by one pool of that size, as in
// AWS. RunOnce is safe for concurrent use; call Run once per Poller.
type Poller struct {
	Queue       Queue
	Handler     BatchHandler
	Batch       int           // default 10
	Concurrency int           // batches handled at once by Run (default 1)
	Visibility  time.Duration // default: the queue's own
	Wait        time.Duration // long poll (default 1s)
	Log         *slog.Logger
}

// RunOnce receives and handles one batch; it returns how many messages it
// received and how many failed.
func (p *Poller) RunOnce(ctx context.Context) (received, failed int, err error) {
	batch := p.Batch
	if batch <= 0 {
		batch = 10
	}
	wait := p.Wait
	if wait <= 0 {
		wait = time.Second
	}
	msgs, err := p.Queue.Receive(ctx, batch, wait, p.Visibility)
	if err != nil || len(msgs) == 0 {
		return 0, 0, err
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(msgs))}
	for i, m := range msgs {
		ev.Records[i] = events.SQSMessage{
			MessageId: m.ID, ReceiptHandle: m.ReceiptHandle, Body: string(m.Body), EventSource: "aws:sqs",
			Attributes: map[string]string{
				"MessageGroupId":          m.GroupID,
				"ApproximateReceiveCount": strconv.Itoa(m.ReceiveCount),
				"SentTimestamp":           strconv.FormatInt(m.SentAt.UnixMilli(), 10),
			},
		}
	}
	resp, herr := p.Handler(ctx, ev)
	bad := map[string]bool{}
	if herr != nil { // a whole-batch failure: every message is retried
		for _, m := range msgs {
			bad[m.ID] = true
		}
	}
	for _, f := range resp.BatchItemFailures {
		bad[f.ItemIdentifier] = true
	}
	var done []string
	for _, m := range msgs {
		if !bad[m.ID] {
			done = append(done, m.ReceiptHandle)
		}
	}
	// A message not deleted comes back after its visibility timeout: the
	// handlers are idempotent, as they must be for the mapping too.
	if err := p.Queue.DeleteBatch(ctx, done); err != nil && p.Log != nil {
		p.Log.WarnContext(ctx, "delete handled messages", "messages", len(done), "err", err)
	}
	return len(msgs), len(bad), nil
}

// Run polls until ctx ends, with Concurrency receive loops (each handles
// one batch at a time), and returns when every loop has stopped.
func (p *Poller) Run(ctx context.Context) {
	n := max(p.Concurrency, 1)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.loop(ctx)
		}()
	}
	wg.Wait()
}

func (p *Poller) loop(ctx context.Context) {
	for ctx.Err() == nil {
		if _, _, err := p.RunOnce(ctx); err != nil && ctx.Err() == nil {
			if p.Log != nil {
				p.Log.WarnContext(ctx, "poll queue", "queue", p.Queue.URL(), "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

var _ Queue = (*sqsqueue.Queue)(nil)
