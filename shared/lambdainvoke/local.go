package lambdainvoke

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/logging"
	"github.com/leverlink/leverlink/shared/posting"
)

// Handler is a function invoked at the Lambda JSON boundary
// (aws-lambda-go's lambda.Handler).
type Handler interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Destination receives the record of an invocation that failed for good:
// the function's on-failure destination (sqsqueue.Queue on the local
// stack's copy of the template's queue).
type Destination interface {
	Enqueue(ctx context.Context, group, dedupID string, body []byte) error
}

// LambdaRetryDelays are Lambda's waits before the retries of a failed
// asynchronous invocation: one minute, then two (Lambda developer guide,
// "Asynchronous invocation").
var LambdaRetryDelays = []time.Duration{time.Minute, 2 * time.Minute}

// Local plays Lambda's asynchronous invocation of one function in process:
// InvokeAsync returns at once and the payload is handed, as is, to
// Function the way Lambda hands it to aws-lambda-go, on its own goroutine
// with a context of its own (the caller's request may end first), under
// Timeout. A failed attempt is retried up to Retries times after
// RetryDelays; an event older than MaxAge is not retried. A payload that
// still fails is logged and its record (Lambda's on-failure invocation
// record) sent to OnFailure, and counted (Stats.DeadLettered). Set
// Function before the first InvokeAsync. Safe for concurrent use.
type Local struct {
	Function     Handler
	FunctionName string          // for logs and failure records
	Retries      int             // MaximumRetryAttempts
	RetryDelays  []time.Duration // before retry 1, 2, …; the last repeats; LambdaRetryDelays when nil
	MaxAge       time.Duration   // MaximumEventAgeInSeconds; 0: no limit
	Timeout      time.Duration   // the function's timeout; 0: none
	OnFailure    Destination     // nil: failures are logged and counted only
	Log          *slog.Logger

	mu       sync.Mutex
	base     context.Context
	stop     context.CancelFunc
	closed   bool
	wg       sync.WaitGroup
	running  int // attempts running or about to start
	pending  int // retries waiting for their delay
	attempts int // since the last Wait
	failed   int // since the last Wait
	dead     int // in all
}

var _ posting.AsyncInvoker = (*Local)(nil)

// Stats says what happened since the previous Wait.
type Stats struct {
	Attempts     int // invocations that ran (retries included)
	Failed       int // of which returned an error
	Pending      int // retries waiting for their delay now
	DeadLettered int // payloads given up since the Local was made (all time)
}

// InvokeAsync queues one invocation of Function with payload and returns
// nil; after Close it returns an error and runs nothing.
func (l *Local) InvokeAsync(_ context.Context, payload []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("lambdainvoke: %s is closed", l.FunctionName)
	}
	if l.base == nil {
		l.base, l.stop = context.WithCancel(context.Background())
	}
	l.running++
	l.wg.Add(1)
	go l.run(append([]byte(nil), payload...), newID(), time.Now())
	return nil
}

// run attempts one event until it succeeds, is given up, or Close.
func (l *Local) run(payload []byte, requestID string, queued time.Time) {
	defer l.wg.Done()
	for attempt := 1; ; attempt++ {
		err := l.attempt(payload, requestID)
		condition := ""
		switch {
		case err == nil:
		case l.base.Err() != nil: // Close interrupted it: neither retried nor given up
			l.mu.Lock()
			l.running--
			l.mu.Unlock()
			return
		case attempt > l.Retries:
			condition = "RetriesExhausted"
		case l.MaxAge > 0 && time.Since(queued)+l.delay(attempt) > l.MaxAge:
			condition = "EventAgeExceeded"
		}
		if condition != "" {
			l.deadLetter(payload, requestID, attempt, condition, err) // before the counts: Wait sees it done
		}
		l.mu.Lock()
		l.running--
		l.attempts++
		switch {
		case err == nil:
		case condition != "":
			l.failed++
			l.dead++
		default:
			l.failed++
			l.pending++
		}
		l.mu.Unlock()
		if err == nil || condition != "" {
			return
		}
		l.log().Warn("asynchronous invocation failed; Lambda retries it", "function", l.FunctionName, "request_id", requestID, "attempt", attempt, "retry_in", l.delay(attempt).String(), "err", err)
		select {
		case <-l.base.Done():
			l.mu.Lock()
			l.pending--
			l.mu.Unlock()
			return
		case <-time.After(l.delay(attempt)):
		}
		l.mu.Lock()
		l.pending--
		l.running++
		l.mu.Unlock()
	}
}

// attempt hands payload to Function once, as Lambda's runtime would.
func (l *Local) attempt(payload []byte, requestID string) (err error) {
	ctx := logging.WithRequestID(l.base, requestID)
	if l.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("function panicked: %v", p)
		}
	}()
	_, err = l.Function.Invoke(ctx, payload)
	return err
}

// delay is the wait before the retry after attempt.
func (l *Local) delay(attempt int) time.Duration {
	d := l.RetryDelays
	if d == nil {
		d = LambdaRetryDelays
	}
	if len(d) == 0 {
		return 0
	}
	return d[min(attempt, len(d))-1]
}

// deadLetter logs a payload given up and sends its record to OnFailure.
func (l *Local) deadLetter(payload []byte, requestID string, attempts int, condition string, cause error) {
	log := l.log().With("function", l.FunctionName, "request_id", requestID, "attempts", attempts, "condition", condition)
	log.Error("asynchronous invocation failed for good; sent to the on-failure destination", "err", cause)
	if l.OnFailure == nil {
		return
	}
	rec, err := FailureRecord(l.FunctionName, requestID, condition, attempts, payload, cause, time.Now())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(l.base), 10*time.Second)
		defer cancel()
		err = l.OnFailure.Enqueue(ctx, "", "", rec)
	}
	if err != nil {
		log.Error("on-failure destination refused the record; the request is only in this log", "err", err)
	}
}

// Wait returns once no invocation is running (retries waiting for their
// delay do not count: see Stats.Pending), with what happened since the
// previous Wait. Errors: ctx's when it ends first.
func (l *Local) Wait(ctx context.Context) (Stats, error) {
	if err := l.Idle(ctx); err != nil {
		return Stats{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Stats{Attempts: l.attempts, Failed: l.failed, Pending: l.pending, DeadLettered: l.dead}
	l.attempts, l.failed = 0, 0
	return s, nil
}

// Idle returns once no invocation is running, like Wait, but leaves the
// counts to the next Wait. Errors: ctx's when it ends first.
func (l *Local) Idle(ctx context.Context) error {
	for {
		l.mu.Lock()
		running := l.running
		l.mu.Unlock()
		if running == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close drops the retries still waiting, cancels running invocations'
// contexts (an invocation that then fails is dropped, not dead-lettered)
// and waits for them to return. Later InvokeAsync calls fail.
func (l *Local) Close() {
	l.mu.Lock()
	l.closed = true
	stop := l.stop
	l.mu.Unlock()
	if stop != nil {
		stop()
	}
	l.wg.Wait()
}

func (l *Local) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}

// FailureRecord is the body Lambda sends to an SQS on-failure destination
// for an asynchronous invocation given up (Lambda developer guide,
// "Capturing records of Lambda asynchronous invocations": the invocation
// record), so the local stack's dead-letter queue holds what AWS's would.
// condition is RetriesExhausted or EventAgeExceeded.
func FailureRecord(function, requestID, condition string, attempts int, payload []byte, cause error, at time.Time) ([]byte, error) {
	if !json.Valid(payload) {
		b, _ := json.Marshal(string(payload))
		payload = b
	}
	typ := strings.TrimPrefix(fmt.Sprintf("%T", cause), "*")
	return json.Marshal(map[string]any{
		"version":   "1.0",
		"timestamp": at.UTC().Format(time.RFC3339Nano),
		"requestContext": map[string]any{
			"requestId": requestID, "functionArn": "arn:aws:lambda:local:000000000000:function:" + function + ":$LATEST",
			"condition": condition, "approximateInvokeCount": attempts,
		},
		"requestPayload":  json.RawMessage(payload),
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"responsePayload": map[string]any{"errorMessage": cause.Error(), "errorType": typ},
	})
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
