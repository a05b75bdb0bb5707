// Package queue is the port of leverlink's message queues: the export FIFO
// queue and its dead-letter queue, and the refresher's dead-letter queue
// (the on-failure destination of its asynchronous invocations). shared/sqsqueue
// implements it on Amazon SQS and shared/memstore in memory; both pass the
// contract suite in shared/storetest.
package queue

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// MaxBatch is the most entries one EnqueueBatch (and one Receive) takes.
const MaxBatch = 10

// Message is one received message.
type Message struct {
	ID            string    // message id
	Body          []byte    // the body as sent
	ReceiptHandle string    // for Delete and ChangeVisibility; valid for this receive only
	ReceiveCount  int       // how many times it was received, this time included
	GroupID       string    // FIFO message group id, "" on standard queues
	SentAt        time.Time // when the queue accepted it
}

// VisibilityChange is one entry of ChangeVisibilityBatch: the received
// message's receipt and how long until it is visible again.
type VisibilityChange struct {
	Receipt string
	After   time.Duration
}

// Entry is one message of a batch. ID identifies the entry in the batch
// result (alphanumerics, hyphens, underscores; at most 80 characters); when
// empty, the entry's index is used. Group and DedupID are for FIFO queues.
type Entry struct {
	ID      string
	Group   string
	DedupID string
	Body    []byte
}

// Queue is one queue.
//
// Enqueue sends one message. On a FIFO queue, group is the message group id
// (messages of one group are delivered in order, and none while another of
// the group is in flight) and dedupID the deduplication id (a second message
// with the same id within five minutes is dropped, not an error); both are
// required there (apperr Invalid) and "" on a standard queue. The body must
// be UTF-8 text (apperr Invalid).
//
// EnqueueBatch sends up to MaxBatch messages (more: apperr Invalid). When
// some entries are refused, the others are sent and the error (apperr
// Invalid when every failure is the sender's fault, Transient otherwise)
// wraps a *BatchError naming the failed entry ids.
//
// Receive returns up to maxMessages messages, waiting up to wait for one to
// arrive (no messages and no error when none did). Received messages stay
// invisible for visibility (0: the queue's default). A message received more
// often than the queue's redrive policy allows moves to its dead-letter
// queue instead.
//
// Delete acknowledges a received message (an already deleted one is not an
// error; an empty receipt is apperr Invalid). ChangeVisibility makes a
// received message visible again after d (apperr Invalid when d is not in
// [0, 12h] or the message is not in flight). Depth is the approximate number
// of messages: visible plus in flight.
//
// DeleteBatch and ChangeVisibilityBatch do the same for up to MaxBatch
// messages in one request (more: apperr Invalid; none: nothing to do), as
// the Lambda event source mapping acknowledges a batch. When some entries
// are refused the others are applied, and the error (apperr Invalid when
// every failure is the caller's fault, Transient otherwise) wraps a
// *BatchError naming the failed entries by their index ("0", "1", …).
//
// All methods are safe for concurrent use.
type Queue interface {
	Enqueue(ctx context.Context, group, dedupID string, body []byte) error
	EnqueueBatch(ctx context.Context, entries []Entry) error
	Receive(ctx context.Context, maxMessages int, wait, visibility time.Duration) ([]Message, error)
	Delete(ctx context.Context, receipt string) error
	ChangeVisibility(ctx context.Context, receipt string, d time.Duration) error
	DeleteBatch(ctx context.Context, receipts []string) error
	ChangeVisibilityBatch(ctx context.Context, changes []VisibilityChange) error
	Depth(ctx context.Context) (int, error)
}

// BatchError lists the entries of a batch that were not accepted, by entry
// id, with an error code for each. It is wrapped in the *apperr.Error that
// EnqueueBatch returns; use errors.As to retry only the failed entries.
type BatchError struct {
	Failed map[string]string // entry id → error code
}

// Error implements error; it names the failed ids and their codes.
func (e *BatchError) Error() string {
	ids := e.IDs()
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id + " (" + e.Failed[id] + ")"
	}
	return fmt.Sprintf("%d entries failed: %s", len(ids), strings.Join(parts, ", "))
}

// IDs returns the failed entry ids, sorted.
func (e *BatchError) IDs() []string {
	ids := make([]string, 0, len(e.Failed))
	for id := range e.Failed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
