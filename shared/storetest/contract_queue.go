package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/queue"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// Stage is the template stage the contract suites resolve template.yaml for.
const Stage = "test"

// Template returns template.yaml (found by walking up from the working
// directory to go.mod) resolved for Stage.
func Template(t testing.TB) stackdef.Stack {
	t.Helper()
	path, err := stackdef.FindTemplateFromWD()
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	st, err := stackdef.Load(path, Stage)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return st
}

// QueueContract checks an implementation of queue.Queue on the queues
// template.yaml declares. newQueues returns fresh, empty queues by logical id
// (ExportQueue and its ExportDLQ, both FIFO; RefreshDLQ, the standard
// queue), each wired to its dead-letter queue as the template says. It takes a few seconds (visibility
// timeouts run in real time).
func QueueContract(t *testing.T, newQueues func(t *testing.T) map[string]queue.Queue) {
	st := Template(t)
	newQueue := func(t *testing.T, logicalID string) queue.Queue {
		t.Helper()
		q := newQueues(t)[logicalID]
		if q == nil {
			t.Fatalf("queue %s not in the template", logicalID)
		}
		return q
	}

	t.Run("EnqueueReceiveDelete", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			queue, group, dedup string
		}{
			{"ExportQueue", "company-1/candidate-1", "job-1"},
			{"ExportDLQ", "g", "d"},
			{"RefreshDLQ", "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.queue, func(t *testing.T) {
				t.Parallel()
				ctx := ctx(t)
				q := newQueue(t, tt.queue)
				body := []byte(`{"job":"export","candidate":"c1"}`)
				before := time.Now().Add(-2 * time.Second)
				if err := q.Enqueue(ctx, tt.group, tt.dedup, body); err != nil {
					t.Fatalf("Enqueue: %v", err)
				}
				msgs := receive(t, ctx, q, 1, 5*time.Second, false)
				if len(msgs) != 1 {
					t.Fatalf("received %d messages, want 1", len(msgs))
				}
				m := msgs[0]
				if !bytes.Equal(m.Body, body) || m.ID == "" || m.ReceiptHandle == "" || m.ReceiveCount != 1 || m.GroupID != tt.group {
					t.Errorf("message = %+v", m)
				}
				if m.SentAt.Before(before) || m.SentAt.After(time.Now().Add(2*time.Second)) {
					t.Errorf("SentAt = %v, want about now", m.SentAt)
				}
				if d, err := q.Depth(ctx); err != nil || d != 1 {
					t.Errorf("Depth with one in flight = %d, %v; want 1", d, err)
				}
				if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
					t.Fatalf("Delete: %v", err)
				}
				expectEmpty(t, ctx, q)
				if d, err := q.Depth(ctx); err != nil || d != 0 {
					t.Errorf("Depth after delete = %d, %v; want 0", d, err)
				}
			})
		}
	})

	t.Run("FIFOOrderWithinGroup", func(t *testing.T) {
		t.Parallel()
		ctx := ctx(t)
		q := newQueue(t, "ExportQueue")
		groups := map[string]int{"company-1/cand-a": 5, "company-1/cand-b": 3, "company-2/cand-a": 4}
		total := 0
		for i := 0; i < 5; i++ { // interleave the groups
			for g, n := range groups {
				if i < n {
					body := fmt.Sprintf("%s#%d", g, i)
					if err := q.Enqueue(ctx, g, body, []byte(body)); err != nil {
						t.Fatalf("Enqueue: %v", err)
					}
					total++
				}
			}
		}
		msgs := receive(t, ctx, q, total, 20*time.Second, true)
		if len(msgs) != total {
			t.Fatalf("received %d messages, want %d", len(msgs), total)
		}
		next := map[string]int{}
		for _, m := range msgs {
			want := fmt.Sprintf("%s#%d", m.GroupID, next[m.GroupID])
			if string(m.Body) != want {
				t.Errorf("group %s: got %q, want %q", m.GroupID, m.Body, want)
			}
			next[m.GroupID]++
		}
		for g, n := range groups {
			if next[g] != n {
				t.Errorf("group %s: %d messages, want %d", g, next[g], n)
			}
		}
	})

	t.Run("DedupIDDropsDuplicate", func(t *testing.T) {
		t.Parallel()
		ctx := ctx(t)
		q := newQueue(t, "ExportQueue")
		for _, body := range []string{"first", "second (duplicate)"} {
			if err := q.Enqueue(ctx, "g1", "same-job", []byte(body)); err != nil {
				t.Fatalf("Enqueue %q: %v", body, err)
			}
		}
		if err := q.Enqueue(ctx, "g1", "other-job", []byte("third")); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		msgs := receive(t, ctx, q, 2, 5*time.Second, true)
		expectEmpty(t, ctx, q) // the duplicate was dropped, not delayed
		var bodies []string
		for _, m := range msgs {
			bodies = append(bodies, string(m.Body))
		}
		if got := strings.Join(bodies, ","); got != "first,third" {
			t.Errorf("received %q, want first,third", got)
		}
	})

	t.Run("ChangeVisibility", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			queue, group string
			after        time.Duration
		}{
			{"RefreshDLQ", "", 0},
			{"RefreshDLQ", "", time.Second},
			{"ExportQueue", "g", 0},
			{"ExportQueue", "g", time.Second},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s", tt.queue, tt.after), func(t *testing.T) {
				t.Parallel()
				ctx := ctx(t)
				q := newQueue(t, tt.queue)
				dedup := ""
				if tt.group != "" {
					dedup = "d1"
				}
				if err := q.Enqueue(ctx, tt.group, dedup, []byte("retry me")); err != nil {
					t.Fatalf("Enqueue: %v", err)
				}
				first := receive(t, ctx, q, 1, 5*time.Second, false)
				if len(first) != 1 {
					t.Fatalf("first receive: %d messages", len(first))
				}
				expectEmpty(t, ctx, q) // invisible for 30 s
				start := time.Now()
				if err := q.ChangeVisibility(ctx, first[0].ReceiptHandle, tt.after); err != nil {
					t.Fatalf("ChangeVisibility: %v", err)
				}
				again := receive(t, ctx, q, 1, tt.after+5*time.Second, false)
				if len(again) != 1 || string(again[0].Body) != "retry me" || again[0].ReceiveCount != 2 {
					t.Fatalf("after ChangeVisibility(%s): %+v", tt.after, again)
				}
				if waited := time.Since(start); waited < tt.after-200*time.Millisecond {
					t.Errorf("reappeared after %s, before %s", waited, tt.after)
				}
			})
		}
	})

	t.Run("RedriveToDeadLetterQueue", func(t *testing.T) {
		t.Parallel()
		tests := []struct{ queue, group, dedup string }{
			{"ExportQueue", "company-1/cand-1", "poison-1"},
		}
		for _, tt := range tests {
			t.Run(tt.queue, func(t *testing.T) {
				t.Parallel()
				ctx := ctx(t)
				qs := newQueues(t)
				def, _ := st.Queue(tt.queue)
				q, dlq := qs[tt.queue], qs[def.DeadLetterQueue]
				if def.MaxReceiveCount < 1 || dlq == nil {
					t.Fatalf("%s has no redrive policy in the template", tt.queue)
				}
				if err := q.Enqueue(ctx, tt.group, tt.dedup, []byte("poison")); err != nil {
					t.Fatalf("Enqueue: %v", err)
				}
				for i := 1; i <= def.MaxReceiveCount; i++ {
					msgs := receive(t, ctx, q, 1, 5*time.Second, false)
					if len(msgs) != 1 || msgs[0].ReceiveCount != i {
						t.Fatalf("receive %d: %+v", i, msgs)
					}
					// A failed job: make it visible again at once, never delete it.
					if err := q.ChangeVisibility(ctx, msgs[0].ReceiptHandle, 0); err != nil {
						t.Fatalf("ChangeVisibility: %v", err)
					}
				}
				expectEmpty(t, ctx, q) // the next receive moves it to the DLQ
				dead := receive(t, ctx, dlq, 1, 5*time.Second, true)
				if len(dead) != 1 || string(dead[0].Body) != "poison" || dead[0].GroupID != tt.group {
					t.Fatalf("DLQ holds %+v, want the poison message", dead)
				}
				if d, err := q.Depth(ctx); err != nil || d != 0 {
					t.Errorf("source depth = %d, %v; want 0", d, err)
				}
			})
		}
	})

	t.Run("EnqueueBatch", func(t *testing.T) {
		t.Parallel()
		entries := func(n int, fifo bool) []queue.Entry {
			var es []queue.Entry
			for i := 0; i < n; i++ {
				e := queue.Entry{Body: []byte(fmt.Sprintf("m%d", i))}
				if fifo {
					e.Group, e.DedupID = "g", fmt.Sprintf("d%d", i)
				}
				es = append(es, e)
			}
			return es
		}
		tests := []struct {
			name      string
			queue     string
			entries   []queue.Entry
			wantCode  apperr.Code // "" for success
			wantFail  []string    // failed entry ids
			delivered int
		}{
			{"standard, 10", "RefreshDLQ", entries(10, false), "", nil, 10},
			{"fifo, 4", "ExportQueue", entries(4, true), "", nil, 4},
			{"empty", "RefreshDLQ", nil, "", nil, 0},
			{"too many", "RefreshDLQ", entries(11, false), apperr.Invalid, nil, 0},
			{"fifo, partial failure", "ExportQueue", []queue.Entry{
				{ID: "ok-1", Group: "g", DedupID: "a", Body: []byte("a")},
				{ID: "no-dedup", Group: "g", Body: []byte("b")},
				{ID: "no-group", DedupID: "c", Body: []byte("c")},
				{ID: "ok-2", Group: "g", DedupID: "d", Body: []byte("d")},
			}, apperr.Invalid, []string{"no-dedup", "no-group"}, 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := ctx(t)
				q := newQueue(t, tt.queue)
				err := q.EnqueueBatch(ctx, tt.entries)
				if tt.wantCode == "" && err != nil {
					t.Fatalf("EnqueueBatch: %v", err)
				}
				if tt.wantCode != "" && !apperr.Is(err, tt.wantCode) {
					t.Fatalf("EnqueueBatch error = %v, want %s", err, tt.wantCode)
				}
				if tt.wantFail != nil {
					var be *queue.BatchError
					if !errors.As(err, &be) || strings.Join(be.IDs(), ",") != strings.Join(tt.wantFail, ",") {
						t.Fatalf("error %v: want BatchError naming %v", err, tt.wantFail)
					}
					for _, id := range tt.wantFail {
						if !strings.Contains(err.Error(), id) {
							t.Errorf("error %q does not name %s", err, id)
						}
					}
				}
				got := receive(t, ctx, q, tt.delivered, 10*time.Second, true)
				if len(got) != tt.delivered {
					t.Errorf("delivered %d messages, want %d", len(got), tt.delivered)
				}
				expectEmpty(t, ctx, q)
			})
		}
	})

	t.Run("Errors", func(t *testing.T) {
		t.Parallel()
		qs := newQueues(t)
		export, refresh := qs["ExportQueue"], qs["RefreshDLQ"] // a FIFO and a standard queue
		tests := []struct {
			name string
			call func(ctx context.Context) error
			want apperr.Code
		}{
			{"fifo without group", func(ctx context.Context) error { return export.Enqueue(ctx, "", "d", []byte("x")) }, apperr.Invalid},
			{"fifo without dedup id", func(ctx context.Context) error { return export.Enqueue(ctx, "g", "", []byte("x")) }, apperr.Invalid},
			{"body not UTF-8", func(ctx context.Context) error { return refresh.Enqueue(ctx, "", "", []byte{0xff, 0xfe}) }, apperr.Invalid},
			{"empty receipt", func(ctx context.Context) error { return refresh.Delete(ctx, "") }, apperr.Invalid},
			{"change visibility of a message not in flight", func(ctx context.Context) error {
				return refresh.ChangeVisibility(ctx, "not-a-receipt", time.Second)
			}, apperr.Invalid},
			{"negative visibility", func(ctx context.Context) error { return refresh.ChangeVisibility(ctx, "r", -time.Second) }, apperr.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				err := tt.call(ctx(t))
				if !apperr.Is(err, tt.want) {
					t.Fatalf("error = %v (code %s), want %s", err, apperr.CodeOf(err), tt.want)
				}
				if !strings.HasPrefix(err.Error(), string(tt.want)) || strings.Contains(err.Error(), `"x"`) {
					t.Errorf("error text %q", err)
				}
			})
		}
	})

	queueBatchContract(t, newQueue)
}

// receive polls q until it has n messages or the deadline passes.
func receive(t *testing.T, ctx context.Context, q queue.Queue, n int, within time.Duration, del bool) []queue.Message {
	t.Helper()
	var got []queue.Message
	deadline := time.Now().Add(within)
	for len(got) < n && time.Now().Before(deadline) {
		msgs, err := q.Receive(ctx, 10, time.Second, 30*time.Second)
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		for _, m := range msgs {
			got = append(got, m)
			if del {
				if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
					t.Fatalf("Delete: %v", err)
				}
			}
		}
	}
	return got
}

func expectEmpty(t *testing.T, ctx context.Context, q queue.Queue) {
	t.Helper()
	msgs, err := q.Receive(ctx, 10, 0, 0)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if len(msgs) != 0 {
		t.Fatalf("want no visible message, got %d (first body %q)", len(msgs), msgs[0].Body)
	}
}
