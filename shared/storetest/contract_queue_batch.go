package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/queue"
)

// queueBatchContract checks DeleteBatch and ChangeVisibilityBatch on the
// export queue: every entry applied, each with its own delay, and the
// batch limit.
func queueBatchContract(t *testing.T, newQueue func(t *testing.T, logicalID string) queue.Queue) {
	// enqueueReceive sends n messages in n groups (FIFO: one in flight per
	// group) and receives them all.
	enqueueReceive := func(t *testing.T, ctx context.Context, q queue.Queue, n int) []queue.Message {
		t.Helper()
		for i := range n {
			if err := q.Enqueue(ctx, fmt.Sprintf("g%d", i), fmt.Sprintf("d%d", i), []byte(fmt.Sprintf("m%d", i))); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
		}
		msgs := receive(t, ctx, q, n, 10*time.Second, false)
		if len(msgs) != n {
			t.Fatalf("received %d messages, want %d", len(msgs), n)
		}
		return msgs
	}
	receipts := func(msgs []queue.Message) []string {
		var rs []string
		for _, m := range msgs {
			rs = append(rs, m.ReceiptHandle)
		}
		return rs
	}

	t.Run("DeleteBatch", func(t *testing.T) {
		t.Parallel()
		ctx := ctx(t)
		q := newQueue(t, "ExportQueue")
		msgs := enqueueReceive(t, ctx, q, 3)
		if err := q.DeleteBatch(ctx, receipts(msgs[:2])); err != nil {
			t.Fatalf("DeleteBatch: %v", err)
		}
		if err := q.DeleteBatch(ctx, nil); err != nil {
			t.Errorf("DeleteBatch(none) = %v, want nil", err)
		}
		// The one not deleted comes back; the two deleted never do.
		if err := q.ChangeVisibility(ctx, msgs[2].ReceiptHandle, 0); err != nil {
			t.Fatalf("ChangeVisibility: %v", err)
		}
		again := receive(t, ctx, q, 1, 5*time.Second, true)
		if len(again) != 1 || string(again[0].Body) != string(msgs[2].Body) {
			t.Fatalf("after DeleteBatch received %+v, want only %s", again, msgs[2].Body)
		}
		expectEmpty(t, ctx, q)
		if d, err := q.Depth(ctx); err != nil || d != 0 {
			t.Errorf("depth = %d, %v; want 0", d, err)
		}
	})

	t.Run("ChangeVisibilityBatch", func(t *testing.T) {
		t.Parallel()
		ctx := ctx(t)
		q := newQueue(t, "ExportQueue")
		msgs := enqueueReceive(t, ctx, q, 2)
		start := time.Now()
		err := q.ChangeVisibilityBatch(ctx, []queue.VisibilityChange{
			{Receipt: msgs[0].ReceiptHandle, After: 0},
			{Receipt: msgs[1].ReceiptHandle, After: 2 * time.Second},
		})
		if err != nil {
			t.Fatalf("ChangeVisibilityBatch: %v", err)
		}
		first := receive(t, ctx, q, 1, 5*time.Second, true)
		if len(first) != 1 || string(first[0].Body) != string(msgs[0].Body) || first[0].ReceiveCount != 2 {
			t.Fatalf("first back: %+v, want %s received twice", first, msgs[0].Body)
		}
		if waited := time.Since(start); waited >= 2*time.Second {
			t.Errorf("the message handed back for 0s reappeared after %s", waited)
		}
		second := receive(t, ctx, q, 1, 7*time.Second, true)
		if len(second) != 1 || string(second[0].Body) != string(msgs[1].Body) {
			t.Fatalf("second back: %+v, want %s", second, msgs[1].Body)
		}
		if waited := time.Since(start); waited < 2*time.Second-200*time.Millisecond {
			t.Errorf("the message handed back for 2s reappeared after %s", waited)
		}
	})

	t.Run("BatchLimits", func(t *testing.T) {
		t.Parallel()
		ctx := ctx(t)
		q := newQueue(t, "ExportQueue")
		eleven := make([]string, queue.MaxBatch+1)
		for i := range eleven {
			eleven[i] = fmt.Sprintf("receipt-%d", i)
		}
		changes := make([]queue.VisibilityChange, queue.MaxBatch+1)
		for i := range changes {
			changes[i] = queue.VisibilityChange{Receipt: eleven[i]}
		}
		tests := []struct {
			name string
			call func() error
		}{
			{"delete 11", func() error { return q.DeleteBatch(ctx, eleven) }},
			{"change 11", func() error { return q.ChangeVisibilityBatch(ctx, changes) }},
			{"negative delay", func() error {
				return q.ChangeVisibilityBatch(ctx, []queue.VisibilityChange{{Receipt: "r", After: -time.Second}})
			}},
		}
		for _, tt := range tests {
			if err := tt.call(); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s = %v, want apperr Invalid", tt.name, err)
			}
		}
	})

	t.Run("ChangeVisibilityBatchPartial", func(t *testing.T) {
		t.Parallel()
		ctx := ctx(t)
		q := newQueue(t, "ExportQueue")
		msgs := enqueueReceive(t, ctx, q, 1)
		if err := q.DeleteBatch(ctx, receipts(msgs)); err != nil {
			t.Fatalf("DeleteBatch: %v", err)
		}
		// A deleted message is no longer in flight: that entry fails, the
		// error names it by index.
		err := q.ChangeVisibilityBatch(ctx, []queue.VisibilityChange{{Receipt: msgs[0].ReceiptHandle}})
		var be *queue.BatchError
		if !errors.As(err, &be) || !slices.Equal(be.IDs(), []string{"0"}) {
			t.Fatalf("ChangeVisibilityBatch(deleted) = %v, want a BatchError naming entry 0", err)
		}
	})
}
