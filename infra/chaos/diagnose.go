package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/logging"
	"github.com/leverlink/leverlink/shared/sqspoll"
)

// tracker follows every export-queue message through its receives, so that
// the report can say why a message reached the dead-letter queue and why a
// candidate was lost: which receives a handler saw, how each ended (done,
// the retried job's error as the exporter logged it, a killed poller, not
// run behind a failed job of its group) and how many receives no handler
// saw (a poller killed between the receive and the handler, or a delete
// that did not happen). It is a slog.Handler (it reads the exporter's
// "job will be retried" lines, keyed by the request id, which is the SQS
// message id) and a batch handler wrapper. Safe for concurrent use.
type tracker struct {
	next slog.Handler
	s    *trackState
}

type trackState struct {
	mu      sync.Mutex
	pending map[string]string    // message id → cause logged during the current run
	runs    map[string][]receipt // body key → runs, in order
	causes  map[string]int       // normalized cause of a retried run → count
	durs    []time.Duration      // wall time of each batch
}

type receipt struct {
	receive int    // ApproximateReceiveCount of this receive
	outcome string // "done" or why the message stays on the queue
}

func newTracker(next slog.Handler) *tracker {
	if next == nil {
		next = slog.DiscardHandler
	}
	return &tracker{next: next, s: &trackState{pending: map[string]string{}, runs: map[string][]receipt{}, causes: map[string]int{}}}
}

const retriedMsg = "job will be retried"

func (t *tracker) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || t.next.Enabled(ctx, l)
}

func (t *tracker) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == retriedMsg {
		var code, msg string
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "code":
				code = a.Value.String()
			case "err":
				msg = a.Value.String()
			}
			return true
		})
		if id := logging.RequestID(ctx); id != "" {
			t.s.mu.Lock()
			t.s.pending[id] = normalizeCause(code, msg)
			t.s.mu.Unlock()
		}
	}
	if !t.next.Enabled(ctx, r.Level) {
		return nil
	}
	return t.next.Handle(ctx, r)
}

func (t *tracker) WithAttrs(as []slog.Attr) slog.Handler {
	return &tracker{next: t.next.WithAttrs(as), s: t.s}
}

func (t *tracker) WithGroup(name string) slog.Handler {
	return &tracker{next: t.next.WithGroup(name), s: t.s}
}

var (
	uuidRe    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	hexRe     = regexp.MustCompile(`\b[0-9a-f]{16,}\b`)
	companyRe = regexp.MustCompile(`\bchaos\d+\b`)
	candRe    = regexp.MustCompile(`\bc\d{5}\b`)
	sdkRe     = regexp.MustCompile(`operation error DynamoDB: (\w+), https response error StatusCode: \d+, RequestID: [^,]*, (canceled, )?`)
)

// normalizeCause is a retried job's error without ids, so that causes can
// be counted.
func normalizeCause(code, msg string) string {
	msg = uuidRe.ReplaceAllString(msg, "<id>")
	msg = hexRe.ReplaceAllString(msg, "<id>")
	msg = companyRe.ReplaceAllString(msg, "<company>")
	msg = candRe.ReplaceAllString(msg, "<candidate>")
	msg = sdkRe.ReplaceAllString(msg, "DynamoDB $1: ")
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return code + ": " + msg
}

func bodyKey(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:8])
}

// Wrap records each receive of each message of a batch and how it ended.
// ctx is the poller's: its end during the batch is a kill.
func (t *tracker) Wrap(h sqspoll.BatchHandler) sqspoll.BatchHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		start := time.Now()
		resp, err := h(ctx, ev)
		took := time.Since(start)
		failed := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		killed := ctx.Err() != nil
		t.s.mu.Lock()
		defer t.s.mu.Unlock()
		t.s.durs = append(t.s.durs, took)
		for _, r := range ev.Records {
			n, _ := strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
			cause, logged := t.s.pending[r.MessageId]
			delete(t.s.pending, r.MessageId)
			out := "done"
			switch {
			case err != nil:
				out = "batch error: " + err.Error()
			case !failed[r.MessageId] && killed:
				out = "done (poller killed before the delete)"
			case !failed[r.MessageId]:
			case logged && killed:
				out = "killed: " + cause
			case logged:
				out = cause
			case killed:
				out = "killed before it ran"
			default:
				out = "not run: an earlier job of its group failed"
			}
			if out != "done" {
				t.s.causes[out]++
			}
			k := bodyKey(r.Body)
			t.s.runs[k] = append(t.s.runs[k], receipt{receive: n, outcome: out})
		}
		return resp, err
	}
}

func (t *tracker) runsOf(body string) []receipt {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return slices.Clone(t.s.runs[bodyKey(body)])
}

// dlqEntry is one dead-lettered message with what became of its job.
type dlqEntry struct {
	job      export.Job
	receives int       // receives before it was dead-lettered (handler runs + unseen)
	runs     []receipt // the receives a handler saw
	marker   string    // the job's marker: state, attempts, reason, last error
}

// readDLQ receives and deletes every message of the export DLQ (a FIFO
// queue hides a group's next message while one is in flight, so reading
// all of them needs the deletes; the verdict counted them before) and
// reads the marker of each one's job.
func readDLQ(ctx context.Context, env *harness.Env, t *tracker) ([]dlqEntry, error) {
	var out []dlqEntry
	seen := map[string]bool{}
	for empty := 0; empty < 2; {
		msgs, err := env.DLQ.Receive(ctx, 10, time.Second, 5*time.Minute)
		if err != nil {
			return out, err
		}
		if len(msgs) == 0 {
			empty++
			continue
		}
		for _, m := range msgs {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			if err := env.DLQ.Delete(ctx, m.ReceiptHandle); err != nil {
				log.Printf("delete a DLQ message: %v", err)
			}
			e := dlqEntry{runs: t.runsOf(string(m.Body))}
			j, err := export.DecodeJob(m.Body)
			if err != nil {
				e.marker = "undecodable job: " + err.Error()
				out = append(out, e)
				continue
			}
			e.job = j
			if len(e.runs) > 0 {
				e.receives = e.runs[len(e.runs)-1].receive
			}
			e.marker = markerSummary(ctx, env, export.Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID, ActivityID: j.ActivityID()})
			out = append(out, e)
		}
	}
	return out, nil
}

// markerSummary describes k's marker: state, attempts, reason, last error.
func markerSummary(ctx context.Context, env *harness.Env, k export.Key) string {
	m, err := env.App.Exports.Get(ctx, k)
	if err != nil {
		return "no marker (" + normalizeCause("", err.Error())[2:] + ")"
	}
	s := fmt.Sprintf("%s, %d claims", m.State, m.Attempts)
	if m.ClaimID != "" {
		s += ", claim held"
	}
	if m.Reason != "" {
		s += ", reason " + m.Reason
	}
	if m.LastError != "" {
		s += ", last error " + normalizeCause("", m.LastError)[2:]
	}
	return s
}

// diagnose prints how long batches took against their deadline, why
// messages were retried, why the DLQ'd ones never succeeded, and the
// markers of the lost candidates.
func diagnose(ctx context.Context, env *harness.Env, t *tracker, batchDeadline time.Duration, lost []export.Key, verbose bool) {
	t.s.mu.Lock()
	durs := slices.Clone(t.s.durs)
	type kv struct {
		k string
		n int
	}
	var causes []kv
	total := 0
	for k, n := range t.s.causes {
		causes = append(causes, kv{k, n})
		total += n
	}
	t.s.mu.Unlock()
	slices.SortFunc(causes, func(a, b kv) int { return b.n - a.n })
	over := 0
	for _, d := range durs {
		if d >= batchDeadline {
			over++
		}
	}
	fmt.Println()
	fmt.Printf("batch wall time: p50 %s, p95 %s, max %s; %d of %d batches ran into the %s batch deadline (a loaded machine: raise -lambda-timeout and -visibility, or lower -pollers)\n",
		harness.Percentile(durs, 50).Round(time.Millisecond), harness.Percentile(durs, 95).Round(time.Millisecond), harness.Percentile(durs, 100).Round(time.Millisecond), over, len(durs), batchDeadline)
	fmt.Println()
	fmt.Printf("## why messages stayed on the queue (%d handled receives not done)\n\n", total)
	var rows [][]string
	for i, c := range causes {
		if i == 15 {
			rows = append(rows, []string{fmt.Sprintf("(%d more causes)", len(causes)-15), ""})
			break
		}
		rows = append(rows, []string{strings.ReplaceAll(c.k, "|", "/"), strconv.Itoa(c.n)})
	}
	fmt.Print(harness.Table([]string{"outcome of a receive", "count"}, rows))

	dlq, err := readDLQ(ctx, env, t)
	if err != nil {
		log.Printf("read the DLQ: %v", err)
	}
	fmt.Println()
	fmt.Printf("## dead-lettered messages (%d)\n\n", len(dlq))
	if len(dlq) > 0 {
		groups := map[string]int{}
		for _, e := range dlq {
			unseen := e.receives - len(e.runs)
			groups[fmt.Sprintf("%s job; marker %s", e.job.Kind, e.marker)]++
			if verbose || len(dlq) <= 20 {
				var outs []string
				for _, r := range e.runs {
					outs = append(outs, fmt.Sprintf("#%d %s", r.receive, r.outcome))
				}
				log.Printf("dlq: %s %s/%s %s: %d receives (%d not seen by a handler); marker %s; runs: %s",
					e.job.Kind, e.job.CompanyID, e.job.CandidateID, e.job.ActivityID(), e.receives, unseen, e.marker, strings.Join(outs, " | "))
			}
		}
		rows = rows[:0]
		for k, n := range groups {
			rows = append(rows, []string{strings.ReplaceAll(k, "|", "/"), strconv.Itoa(n)})
		}
		slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
		fmt.Print(harness.Table([]string{"job and its marker", "messages"}, rows))
	}
	if len(lost) > 0 {
		fmt.Println()
		fmt.Printf("## markers of the lost candidates (%d)\n\n", len(lost))
		groups := map[string]int{}
		for _, k := range lost {
			groups[markerSummary(ctx, env, k)]++
		}
		rows = rows[:0]
		for k, n := range groups {
			rows = append(rows, []string{strings.ReplaceAll(k, "|", "/"), strconv.Itoa(n)})
		}
		slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
		fmt.Print(harness.Table([]string{"marker", "candidates"}, rows))
	}
}
