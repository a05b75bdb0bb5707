package sqspoll

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/sqsqueue"
)

// queue hands out msgs once and records deletions and delete requests.
type queue struct {
	msgs        []sqsqueue.Message
	deleted     []string
	deleteCalls int
}

func (q *queue) Receive(_ context.Context, max int, _, _ time.Duration) ([]sqsqueue.Message, error) {
	n := min(max, len(q.msgs))
	out := q.msgs[:n]
	q.msgs = q.msgs[n:]
	return out, nil
}

func (q *queue) DeleteBatch(_ context.Context, receipts []string) error {
	if len(receipts) > 0 {
		q.deleteCalls++
	}
	q.deleted = append(q.deleted, receipts...)
	return nil
}

func (q *queue) URL() string { return "http://q" }

func TestRunOnce(t *testing.T) {
	msgs := func() []sqsqueue.Message {
		return []sqsqueue.Message{
			{ID: "m1", ReceiptHandle: "r1", Body: []byte("a"), GroupID: "g", ReceiveCount: 1},
			{ID: "m2", ReceiptHandle: "r2", Body: []byte("b"), GroupID: "g", ReceiveCount: 2},
			{ID: "m3", ReceiptHandle: "r3", Body: []byte("c"), GroupID: "h", ReceiveCount: 1},
		}
	}
	tests := []struct {
		name        string
		batch       int
		handler     BatchHandler
		wantRecv    int
		wantFailed  int
		wantDeleted []string
	}{
		{
			name: "all handled are deleted",
			handler: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				return events.SQSEventResponse{}, nil
			},
			wantRecv: 3, wantDeleted: []string{"r1", "r2", "r3"},
		},
		{
			name: "item failures stay on the queue",
			handler: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "m2"}}}, nil
			},
			wantRecv: 3, wantFailed: 1, wantDeleted: []string{"r1", "r3"},
		},
		{
			name: "a handler error retries the whole batch",
			handler: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				return events.SQSEventResponse{}, errors.New("timeout")
			},
			wantRecv: 3, wantFailed: 3,
		},
		{
			name:  "batch size bounds a receive",
			batch: 2,
			handler: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				return events.SQSEventResponse{}, nil
			},
			wantRecv: 2, wantDeleted: []string{"r1", "r2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &queue{msgs: msgs()}
			p := &Poller{Queue: q, Handler: tt.handler, Batch: tt.batch}
			n, failed, err := p.RunOnce(context.Background())
			if err != nil || n != tt.wantRecv || failed != tt.wantFailed {
				t.Fatalf("RunOnce: got %d received, %d failed, %v; want %d, %d", n, failed, err, tt.wantRecv, tt.wantFailed)
			}
			if !slices.Equal(q.deleted, tt.wantDeleted) {
				t.Errorf("deleted: got %v, want %v", q.deleted, tt.wantDeleted)
			}
			// Like the event source mapping: one delete request per batch.
			if want := min(len(tt.wantDeleted), 1); q.deleteCalls != want {
				t.Errorf("delete requests: got %d, want %d", q.deleteCalls, want)
			}
		})
	}
}

func TestRunOnceEvent(t *testing.T) {
	q := &queue{msgs: []sqsqueue.Message{{ID: "m1", ReceiptHandle: "r1", Body: []byte(`{"x":1}`), GroupID: "g", ReceiveCount: 4, SentAt: time.UnixMilli(1700000000123)}}}
	var got events.SQSEvent
	p := &Poller{Queue: q, Handler: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		got = ev
		return events.SQSEventResponse{}, nil
	}}
	if _, _, err := p.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := got.Records[0]
	if r.MessageId != "m1" || r.Body != `{"x":1}` || r.EventSource != "aws:sqs" || r.Attributes["MessageGroupId"] != "g" ||
		r.Attributes["ApproximateReceiveCount"] != "4" || r.Attributes["SentTimestamp"] != "1700000000123" {
		t.Errorf("event record: got %+v", r)
	}
}

// lockedQueue is queue, safe for concurrent receive loops.
type lockedQueue struct {
	mu sync.Mutex
	q  queue
}

func (l *lockedQueue) Receive(ctx context.Context, max int, w, v time.Duration) ([]sqsqueue.Message, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.q.Receive(ctx, max, w, v)
}

func (l *lockedQueue) DeleteBatch(ctx context.Context, receipts []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.q.DeleteBatch(ctx, receipts)
}

func (l *lockedQueue) URL() string { return "http://q" }

// TestRunConcurrency: Run handles up to Concurrency batches at once, like
// the event source mapping's MaximumConcurrency, and no more.
func TestRunConcurrency(t *testing.T) {
	for _, conc := range []int{1, 3} {
		q := &lockedQueue{}
		for i := range 9 {
			id := string(rune('a' + i))
			q.q.msgs = append(q.q.msgs, sqsqueue.Message{ID: id, ReceiptHandle: "r" + id, Body: []byte(id)})
		}
		var active, peak, handled atomic.Int32
		ctx, cancel := context.WithCancel(context.Background())
		p := &Poller{Queue: q, Batch: 1, Concurrency: conc, Wait: time.Millisecond,
			Handler: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				n := active.Add(1)
				for {
					old := peak.Load()
					if n <= old || peak.CompareAndSwap(old, n) {
						break
					}
				}
				time.Sleep(30 * time.Millisecond)
				active.Add(-1)
				if handled.Add(1) == 9 {
					cancel()
				}
				return events.SQSEventResponse{}, nil
			}}
		done := make(chan struct{})
		go func() { p.Run(ctx); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("concurrency %d: Run did not return", conc)
		}
		if got := peak.Load(); got != int32(conc) {
			t.Errorf("concurrency %d: peak concurrent batches = %d", conc, got)
		}
		if got := len(q.q.deleted); got != 9 {
			t.Errorf("concurrency %d: deleted %d, want 9", conc, got)
		}
	}
}
