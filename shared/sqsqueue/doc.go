// Package sqsqueue is leverlink's adapter for Amazon SQS: the only package
// that imports the SQS SDK.
//
// A [Queue] is bound to one queue URL and offers what the functions need:
// enqueue (single and batch, FIFO group and deduplication ids), receive with
// long polling, delete, change visibility and an approximate depth.
// [CreateQueues] creates the queues template.yaml declares (through
// shared/stackdef), for the local stack and the tests.
//
// Every error wraps an *apperr.Error: throttling, 5xx and network failures
// are apperr.Transient, a missing queue is apperr.NotFound, a request SQS
// rejects is apperr.Invalid. Message bodies never appear in errors.
package sqsqueue
