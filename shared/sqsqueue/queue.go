package sqsqueue

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/queue"
)

// MaxBatch is the most entries one SendMessageBatch (and one receive) takes.
const MaxBatch = queue.MaxBatch

// maxWait is SQS's longest long poll.
const maxWait = 20 * time.Second

// Queue is one SQS queue, bound to its URL. Safe for concurrent use.
type Queue struct {
	client *sqs.Client
	url    string
	name   string // last path segment of the URL, for error messages
}

// New returns the queue at url, used through client.
func New(client *sqs.Client, url string) *Queue {
	return &Queue{client: client, url: url, name: url[strings.LastIndex(url, "/")+1:]}
}

// URL returns the queue URL.
func (q *Queue) URL() string { return q.url }

var _ queue.Queue = (*Queue)(nil)

// Message is one received message (see queue.Message).
type Message = queue.Message

// Entry is one message of a batch (see queue.Entry).
type Entry = queue.Entry

func checkBody(body []byte) error {
	if !utf8.Valid(body) {
		return apperr.E(apperr.Invalid, "sqs: message body must be UTF-8 text")
	}
	return nil
}

// Enqueue sends one message. On a FIFO queue, group is the message group id
// (messages of one group are delivered in order) and dedupID the
// deduplication id (a second message with the same id within five minutes
// is dropped, not an error); on a standard queue both are "". The body must
// be UTF-8 text (JSON).
func (q *Queue) Enqueue(ctx context.Context, group, dedupID string, body []byte) error {
	if err := checkBody(body); err != nil {
		return err
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(string(body))}
	if group != "" {
		in.MessageGroupId = aws.String(group)
	}
	if dedupID != "" {
		in.MessageDeduplicationId = aws.String(dedupID)
	}
	_, err := q.client.SendMessage(ctx, in)
	return mapErr(err, "send to", q.name)
}

// EnqueueBatch sends up to MaxBatch messages in one request. When SQS
// rejects some entries, the others are sent and the error (apperr Invalid
// when every failure is the sender's fault, Transient otherwise) wraps a
// *BatchError naming the failed entry ids.
func (q *Queue) EnqueueBatch(ctx context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	if len(entries) > MaxBatch {
		return apperr.E(apperr.Invalid, "sqs: a batch holds at most %d messages, got %d", MaxBatch, len(entries))
	}
	in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.url)}
	for i, e := range entries {
		if err := checkBody(e.Body); err != nil {
			return err
		}
		id := e.ID
		if id == "" {
			id = strconv.Itoa(i)
		}
		be := types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(string(e.Body))}
		if e.Group != "" {
			be.MessageGroupId = aws.String(e.Group)
		}
		if e.DedupID != "" {
			be.MessageDeduplicationId = aws.String(e.DedupID)
		}
		in.Entries = append(in.Entries, be)
	}
	out, err := q.client.SendMessageBatch(ctx, in)
	if err != nil {
		return mapErr(err, "send batch to", q.name)
	}
	return batchFailures("send batch to", q.name, len(entries), out.Failed)
}

// Receive returns up to maxMessages messages (clamped to 1..10), waiting up to wait (whole
// seconds, at most 20 s; 0 returns at once) for one to arrive. Received messages stay
// invisible to other receivers for visibility (0: the queue's default).
// It returns no messages and no error when none arrived in time. On FIFO
// queues SQS returns them in group order (fauxqs: at most one per group).
func (q *Queue) Receive(ctx context.Context, maxMessages int, wait, visibility time.Duration) ([]Message, error) {
	maxMessages = min(MaxBatch, max(1, maxMessages))
	wait = min(maxWait, max(0, wait))
	in := &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(q.url),
		MaxNumberOfMessages: int32(maxMessages),
		WaitTimeSeconds:     int32(wait / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{
			types.MessageSystemAttributeNameApproximateReceiveCount,
			types.MessageSystemAttributeNameSentTimestamp,
			types.MessageSystemAttributeNameMessageGroupId,
		},
	}
	if visibility > 0 {
		in.VisibilityTimeout = int32(visibility.Round(time.Second) / time.Second)
	}
	out, err := q.client.ReceiveMessage(ctx, in)
	if err != nil {
		return nil, mapErr(err, "receive from", q.name)
	}
	msgs := make([]Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		a := m.Attributes
		msg := Message{
			ID:            aws.ToString(m.MessageId),
			Body:          []byte(aws.ToString(m.Body)),
			ReceiptHandle: aws.ToString(m.ReceiptHandle),
			GroupID:       a[string(types.MessageSystemAttributeNameMessageGroupId)],
		}
		msg.ReceiveCount, _ = strconv.Atoi(a[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
		if ms, err := strconv.ParseInt(a[string(types.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
			msg.SentAt = time.UnixMilli(ms).UTC()
		}
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// Delete acknowledges a received message: it will not be delivered again.
// Deleting a message that is already deleted is not an error.
func (q *Queue) Delete(ctx context.Context, receipt string) error {
	_, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{
		QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(receipt),
	})
	return mapErr(err, "delete from", q.name)
}

// ChangeVisibility makes a received message visible again after d (0: at
// once), e.g. to retry it later with a back-off.
func (q *Queue) ChangeVisibility(ctx context.Context, receipt string, d time.Duration) error {
	if d < 0 || d > 12*time.Hour {
		return apperr.E(apperr.Invalid, "sqs: visibility timeout must be between 0 and 12h, got %s", d)
	}
	_, err := q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl:          aws.String(q.url),
		ReceiptHandle:     aws.String(receipt),
		VisibilityTimeout: int32(d.Round(time.Second) / time.Second),
	})
	return mapErr(err, "change visibility in", q.name)
}

// VisibilityChange is one entry of ChangeVisibilityBatch (see
// queue.VisibilityChange).
type VisibilityChange = queue.VisibilityChange

// DeleteBatch acknowledges up to MaxBatch received messages in one
// DeleteMessageBatch request, as the Lambda event source mapping does. When
// SQS refuses some entries the others are deleted and the error wraps a
// *BatchError naming the failed entries by index.
func (q *Queue) DeleteBatch(ctx context.Context, receipts []string) error {
	if len(receipts) == 0 {
		return nil
	}
	if len(receipts) > MaxBatch {
		return apperr.E(apperr.Invalid, "sqs: a batch holds at most %d messages, got %d", MaxBatch, len(receipts))
	}
	in := &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(q.url)}
	for i, r := range receipts {
		if r == "" {
			return apperr.E(apperr.Invalid, "sqs: delete batch: entry %d: the receipt handle is required", i)
		}
		in.Entries = append(in.Entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(r)})
	}
	out, err := q.client.DeleteMessageBatch(ctx, in)
	if err != nil {
		return mapErr(err, "delete batch from", q.name)
	}
	return batchFailures("delete batch from", q.name, len(receipts), out.Failed)
}

// ChangeVisibilityBatch makes up to MaxBatch received messages visible
// again, each after its own delay, in one ChangeMessageVisibilityBatch
// request. Partial failures as DeleteBatch.
func (q *Queue) ChangeVisibilityBatch(ctx context.Context, changes []VisibilityChange) error {
	if len(changes) == 0 {
		return nil
	}
	if len(changes) > MaxBatch {
		return apperr.E(apperr.Invalid, "sqs: a batch holds at most %d messages, got %d", MaxBatch, len(changes))
	}
	in := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(q.url)}
	for i, c := range changes {
		if c.After < 0 || c.After > 12*time.Hour {
			return apperr.E(apperr.Invalid, "sqs: visibility timeout must be between 0 and 12h, got %s", c.After)
		}
		in.Entries = append(in.Entries, types.ChangeMessageVisibilityBatchRequestEntry{
			Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(c.Receipt),
			VisibilityTimeout: int32(c.After.Round(time.Second) / time.Second),
		})
	}
	out, err := q.client.ChangeMessageVisibilityBatch(ctx, in)
	if err != nil {
		return mapErr(err, "change visibility batch in", q.name)
	}
	return batchFailures("change visibility batch in", q.name, len(changes), out.Failed)
}

// batchFailures turns a batch request's failed entries into the
// *BatchError contract of queue.Queue (nil when none failed).
func batchFailures(op, name string, n int, failed []types.BatchResultErrorEntry) error {
	if len(failed) == 0 {
		return nil
	}
	be := &BatchError{Failed: make(map[string]string, len(failed))}
	code := apperr.Invalid
	for _, f := range failed {
		be.Failed[aws.ToString(f.Id)] = aws.ToString(f.Code)
		if !f.SenderFault {
			code = apperr.Transient
		}
	}
	return apperr.Wrap(code, be, "sqs %s %s: %d of %d entries failed", op, name, len(failed), n)
}

// Depth returns the approximate number of messages in the queue: visible
// plus in flight (received, not yet deleted). Delayed messages are not
// counted.
func (q *Queue) Depth(ctx context.Context) (int, error) {
	out, err := q.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(q.url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		return 0, mapErr(err, "get depth of", q.name)
	}
	total := 0
	for _, name := range []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages,
		types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	} {
		n, err := strconv.Atoi(out.Attributes[string(name)])
		if err != nil {
			return 0, apperr.Wrap(apperr.Internal, err, "sqs get depth of %s: bad %s", q.name, name)
		}
		total += n
	}
	return total, nil
}
