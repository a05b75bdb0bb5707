package export_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/memstore"
)

// ctxMarkers is the memory store refusing a release on a context that has
// ended, as the DynamoDB adapter does (the SDK does not send the request).
type ctxMarkers struct{ *memstore.Exports }

func (s ctxMarkers) Release(ctx context.Context, k export.Key, claimID string, now time.Time, lastError string) error {
	if err := ctx.Err(); err != nil {
		return apperr.Wrap(apperr.Transient, fmt.Errorf("release: %w", err), "storage temporarily unavailable")
	}
	return s.Exports.Release(ctx, k, claimID, now, lastError)
}

// TestReleaseAfterDeadline: a job stopped by its context's end (the batch
// deadline, a Lambda timeout) still frees its claim and records why, so the
// next delivery runs at once instead of waiting for the claim to go stale,
// and the vendor sees a last error instead of a silent "exporting". (make
// chaos under load: every timed-out attempt left a held claim and no error,
// and dead-lettered candidates showed no reason.)
func TestReleaseAfterDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		latency time.Duration // of the fake Lever: longer than the job's deadline
	}{
		{name: "Lever slower than the deadline", latency: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.x.Markers = ctxMarkers{e.exports}
			e.x.StaleAfter = time.Hour // a held claim would block the next run
			j := exportJob(cand("c-1"), "pos-1")

			e.fake.SetLatency(tt.latency, 0)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			err := e.x.Run(ctx, j)
			cancel()
			if got := export.OutcomeOf(err).Fate; got != export.FateRetry {
				t.Fatalf("run past the deadline: %v (fate %s), want a retry", err, got)
			}
			m := e.marker(t, j.CandidateID, "")
			if m.State != export.Exporting || m.ClaimID != "" || !strings.HasPrefix(m.LastError, "transient") {
				t.Errorf("after the deadline: state %q claim %q lastError %q; want exporting, no claim, a transient last error", m.State, m.ClaimID, m.LastError)
			}

			e.fake.SetLatency(0, 0)
			wantCode(t, "next delivery", e.x.Run(context.Background(), j), "")
			m = e.marker(t, j.CandidateID, "")
			if m.State != export.Exported || m.Attempts != 2 || len(e.opps()) != 1 {
				t.Errorf("next delivery: state %q attempts %d, %d opportunities; want exported, 2, 1", m.State, m.Attempts, len(e.opps()))
			}
		})
	}
}
