package memstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/queue"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// Queue implements queue.Queue in memory, with SQS's semantics as far as
// leverlink relies on them: FIFO queues deliver each message group in order,
// hold a group back while one of its messages is in flight and give at most
// one message per group per receive (as fauxqs does); they drop a message
// whose deduplication id was seen in its group within five minutes (the
// template's DeduplicationScope is messageGroup). Received messages are
// invisible for the visibility timeout; a message received MaxReceiveCount
// times moves to the dead-letter queue at the next receive. Time is the
// wall clock.
type Queue struct {
	def stackdef.Queue
	dlq *Queue

	mu     sync.Mutex
	msgs   []*queuedMessage // in the order they were sent
	dedup  map[string]time.Time
	wake   chan struct{} // closed and replaced when a message arrives or becomes visible
	nextID int
}

type queuedMessage struct {
	id, group string
	body      []byte
	sentAt    time.Time
	visibleAt time.Time // in flight until then
	receipt   string    // of the current receive, "" before the first
	count     int
}

var (
	_ queue.Queue     = (*Queue)(nil)
	_ export.Enqueuer = (*Queue)(nil)
)

// dedupWindow is how long SQS remembers a FIFO deduplication id.
const dedupWindow = 5 * time.Minute

// NewQueue returns an empty queue as def declares it, without dead-letter
// queue (see NewQueues).
func NewQueue(def stackdef.Queue) *Queue {
	if def.VisibilityTimeout <= 0 {
		def.VisibilityTimeout = 30
	}
	return &Queue{def: def, dedup: map[string]time.Time{}, wake: make(chan struct{})}
}

// NewQueues returns empty queues for defs, by logical id, each wired to its
// dead-letter queue.
func NewQueues(defs []stackdef.Queue) map[string]*Queue {
	qs := make(map[string]*Queue, len(defs))
	for _, d := range defs {
		qs[d.LogicalID] = NewQueue(d)
	}
	for _, q := range qs {
		if q.def.DeadLetterQueue != "" && q.def.MaxReceiveCount > 0 {
			q.dlq = qs[q.def.DeadLetterQueue]
		}
	}
	return qs
}

func checkBody(body []byte) error {
	if !utf8.Valid(body) {
		return apperr.E(apperr.Invalid, "queue: message body must be UTF-8 text")
	}
	return nil
}

// Enqueue sends one message (see queue.Queue).
func (q *Queue) Enqueue(_ context.Context, group, dedupID string, body []byte) error {
	if err := checkBody(body); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if code := q.put(group, dedupID, body, time.Now()); code != "" {
		return apperr.E(apperr.Invalid, "queue %s: %s", q.def.LogicalID, code)
	}
	return nil
}

// put appends a message, or drops a FIFO duplicate; it returns why the
// message is refused ("" when it is not). q.mu must be held.
func (q *Queue) put(group, dedupID string, body []byte, now time.Time) string {
	if q.def.FIFO {
		if group == "" {
			return "MissingParameter: a FIFO queue needs a message group id"
		}
		if dedupID == "" && q.def.ContentBasedDedup {
			sum := sha256.Sum256(body)
			dedupID = hex.EncodeToString(sum[:])
		}
		if dedupID == "" {
			return "MissingParameter: a FIFO queue without content-based deduplication needs a deduplication id"
		}
		k := group + "\x00" + dedupID
		if until, ok := q.dedup[k]; ok && until.After(now) {
			return "" // a duplicate: dropped, not an error
		}
		q.dedup[k] = now.Add(dedupWindow)
	}
	q.nextID++
	q.msgs = append(q.msgs, &queuedMessage{
		id: q.def.LogicalID + "-" + strconv.Itoa(q.nextID), group: group,
		body: append([]byte(nil), body...), sentAt: now, visibleAt: now,
	})
	q.signal()
	return ""
}

// signal wakes the receivers waiting; q.mu must be held.
func (q *Queue) signal() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// EnqueueBatch sends up to queue.MaxBatch messages (see queue.Queue).
func (q *Queue) EnqueueBatch(_ context.Context, entries []queue.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	if len(entries) > queue.MaxBatch {
		return apperr.E(apperr.Invalid, "queue: a batch holds at most %d messages, got %d", queue.MaxBatch, len(entries))
	}
	for _, e := range entries {
		if err := checkBody(e.Body); err != nil {
			return err
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	be := &queue.BatchError{Failed: map[string]string{}}
	for i, e := range entries {
		id := e.ID
		if id == "" {
			id = strconv.Itoa(i)
		}
		if code := q.put(e.Group, e.DedupID, e.Body, now); code != "" {
			be.Failed[id] = code
		}
	}
	if len(be.Failed) == 0 {
		return nil
	}
	return apperr.Wrap(apperr.Invalid, be, "queue %s: %d of %d entries failed", q.def.LogicalID, len(be.Failed), len(entries))
}

// maxWait is SQS's longest long poll.
const maxWait = 20 * time.Second

// Receive returns up to maxMessages visible messages, waiting up to wait
// (see queue.Queue).
func (q *Queue) Receive(ctx context.Context, maxMessages int, wait, visibility time.Duration) ([]queue.Message, error) {
	maxMessages = min(queue.MaxBatch, max(1, maxMessages))
	deadline := time.Now().Add(min(maxWait, max(0, wait)))
	if visibility <= 0 {
		visibility = time.Duration(q.def.VisibilityTimeout) * time.Second
	}
	for {
		q.mu.Lock()
		got := q.take(maxMessages, visibility, time.Now())
		wake := q.wake
		q.mu.Unlock()
		if len(got) > 0 || !time.Now().Before(deadline) {
			return got, nil
		}
		// Wake on a new message, or poll for visibility timeouts ending.
		t := time.NewTimer(min(time.Until(deadline), 50*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, apperr.Wrap(apperr.Transient, ctx.Err(), "queue %s: receive", q.def.LogicalID)
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// take receives up to n visible messages at now; q.mu must be held.
func (q *Queue) take(n int, visibility time.Duration, now time.Time) []queue.Message {
	var out []queue.Message
	head := map[string]bool{} // FIFO groups whose first message was looked at
	for i := 0; i < len(q.msgs) && len(out) < n; i++ {
		m := q.msgs[i]
		if q.def.FIFO {
			if head[m.group] {
				continue
			}
			head[m.group] = true
		}
		if m.visibleAt.After(now) {
			continue
		}
		if q.dlq != nil && m.count >= q.def.MaxReceiveCount {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			i--
			delete(head, m.group) // the group's next message is its head now
			q.dlq.mu.Lock()
			q.dlq.nextID++
			q.dlq.msgs = append(q.dlq.msgs, &queuedMessage{
				id: m.id, group: m.group, body: m.body, sentAt: m.sentAt, visibleAt: now,
			})
			q.dlq.signal()
			q.dlq.mu.Unlock()
			continue
		}
		m.count++
		m.receipt = newReceipt()
		m.visibleAt = now.Add(visibility)
		out = append(out, queue.Message{
			ID: m.id, Body: append([]byte(nil), m.body...), ReceiptHandle: m.receipt,
			ReceiveCount: m.count, GroupID: m.group, SentAt: m.sentAt,
		})
	}
	return out
}

func newReceipt() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// find returns the index of the message with receipt, or -1; q.mu must be
// held.
func (q *Queue) find(receipt string) int {
	for i, m := range q.msgs {
		if m.receipt == receipt {
			return i
		}
	}
	return -1
}

// Delete removes a received message (see queue.Queue).
func (q *Queue) Delete(_ context.Context, receipt string) error {
	if receipt == "" {
		return apperr.E(apperr.Invalid, "queue %s: delete: the receipt handle is required", q.def.LogicalID)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if i := q.find(receipt); i >= 0 {
		q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
		q.signal() // the next message of its group may go
	}
	return nil
}

// ChangeVisibility makes an in-flight message visible after d (see
// queue.Queue).
func (q *Queue) ChangeVisibility(_ context.Context, receipt string, d time.Duration) error {
	if d < 0 || d > 12*time.Hour {
		return apperr.E(apperr.Invalid, "queue: visibility timeout must be between 0 and 12h, got %s", d)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	i := q.find(receipt)
	if receipt == "" || i < 0 || !q.msgs[i].visibleAt.After(now) {
		return apperr.E(apperr.Invalid, "queue %s: change visibility: the message is not in flight", q.def.LogicalID)
	}
	q.msgs[i].visibleAt = now.Add(d)
	q.signal()
	return nil
}

// DeleteBatch deletes up to queue.MaxBatch received messages (see
// queue.Queue).
func (q *Queue) DeleteBatch(ctx context.Context, receipts []string) error {
	if len(receipts) > queue.MaxBatch {
		return apperr.E(apperr.Invalid, "queue: a batch holds at most %d messages, got %d", queue.MaxBatch, len(receipts))
	}
	be := &queue.BatchError{Failed: map[string]string{}}
	for i, r := range receipts {
		if err := q.Delete(ctx, r); err != nil {
			be.Failed[strconv.Itoa(i)] = "ReceiptHandleIsInvalid"
		}
	}
	if len(be.Failed) == 0 {
		return nil
	}
	return apperr.Wrap(apperr.Invalid, be, "queue %s: delete batch: %d of %d entries failed", q.def.LogicalID, len(be.Failed), len(receipts))
}

// ChangeVisibilityBatch changes the visibility of up to queue.MaxBatch
// in-flight messages (see queue.Queue).
func (q *Queue) ChangeVisibilityBatch(ctx context.Context, changes []queue.VisibilityChange) error {
	if len(changes) > queue.MaxBatch {
		return apperr.E(apperr.Invalid, "queue: a batch holds at most %d messages, got %d", queue.MaxBatch, len(changes))
	}
	for _, c := range changes {
		if c.After < 0 || c.After > 12*time.Hour {
			return apperr.E(apperr.Invalid, "queue: visibility timeout must be between 0 and 12h, got %s", c.After)
		}
	}
	be := &queue.BatchError{Failed: map[string]string{}}
	for i, c := range changes {
		if err := q.ChangeVisibility(ctx, c.Receipt, c.After); err != nil {
			be.Failed[strconv.Itoa(i)] = "MessageNotInflight"
		}
	}
	if len(be.Failed) == 0 {
		return nil
	}
	return apperr.Wrap(apperr.Invalid, be, "queue %s: change visibility batch: %d of %d entries failed", q.def.LogicalID, len(be.Failed), len(changes))
}

// Depth returns the number of messages, visible and in flight.
func (q *Queue) Depth(context.Context) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs), nil
}
