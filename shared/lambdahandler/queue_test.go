package lambdahandler

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/queue"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// jobs records the jobs it runs and fails those whose candidate is in fail.
type jobs struct {
	mu       sync.Mutex
	ran      []string // candidate ids, in order per group
	rejected []export.Key
	exhaust  []string // event ids recorded as exhausted
	fail     map[string]bool
	noRecord bool            // Exhaust fails (the store is down)
	booked   map[string]bool // Admit refuses these event ids (budget booked ahead)
}

func (j *jobs) Admit(ctx context.Context, job export.Job) (context.Context, error) {
	if j.booked[job.EventID] {
		e := apperr.E(apperr.RateLimited, "booked")
		e.RetryAfter = 1500 * time.Millisecond
		return ctx, e
	}
	return ctx, nil
}

// visibility records hand-backs: receipt handle → delay.
type visibility struct {
	mu    sync.Mutex
	got   map[string]time.Duration
	calls int
}

func (v *visibility) ChangeVisibilityBatch(_ context.Context, changes []queue.VisibilityChange) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls++
	for _, c := range changes {
		v.got[c.Receipt] = c.After
	}
	return nil
}

func (j *jobs) Run(_ context.Context, job export.Job) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ran = append(j.ran, job.CandidateID+"/"+job.EventID)
	if j.fail[job.EventID] {
		return apperr.E(apperr.Transient, "lever down")
	}
	return nil
}

func (j *jobs) Reject(_ context.Context, k export.Key, _ error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rejected = append(j.rejected, k)
	return nil
}

func (j *jobs) Exhaust(_ context.Context, job export.Job, _ error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.noRecord {
		return apperr.E(apperr.Transient, "store down")
	}
	j.exhaust = append(j.exhaust, job.EventID)
	return nil
}

func pushBody(t *testing.T, candidate, eventID string) string {
	t.Helper()
	b, err := export.Job{Kind: export.KindPush, CompanyID: "acme", CandidateID: candidate, EventID: eventID,
		EventType: event.NoteCreated, Note: &event.Note{ID: "n-" + eventID, CreatedAt: time.Now(), Body: "hi"}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExportsHandleBatch(t *testing.T) {
	msg := func(id, group, body string) events.SQSMessage {
		return events.SQSMessage{MessageId: id, Body: body, Attributes: map[string]string{"MessageGroupId": group}}
	}
	received := func(m events.SQSMessage, n string) events.SQSMessage {
		m.Attributes = map[string]string{"MessageGroupId": m.Attributes["MessageGroupId"], "ApproximateReceiveCount": n}
		m.ReceiptHandle = "r-" + m.MessageId
		return m
	}
	tests := []struct {
		name        string
		records     func(t *testing.T) []events.SQSMessage
		fail        map[string]bool
		noRecord    bool
		wantFail    []string
		wantRej     int
		wantExhaust []string
		booked      map[string]bool
		wantBack    map[string]time.Duration // receipt → hand-back delay
		wantRan     []string
	}{
		{
			name: "a job whose budget is booked ahead is handed back with the rest of its group, not run",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{
					received(msg("m1", "a", pushBody(t, "a", "e1")), "1"), received(msg("m2", "a", pushBody(t, "a", "e2")), "3"),
					received(msg("m3", "b", pushBody(t, "b", "e3")), "1"),
				}
			},
			booked:   map[string]bool{"e1": true},
			wantFail: []string{"m1", "m2"},
			wantBack: map[string]time.Duration{"r-m1": 2 * time.Second, "r-m2": 2 * time.Second},
			wantRan:  []string{"b/e3"},
		},
		{
			name: "past the hand-backs allowed (maxReceiveCount - FailureReceives) a booked job runs",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{received(msg("m1", "a", pushBody(t, "a", "e1")), "21")}
			},
			booked:  map[string]bool{"e1": true},
			wantRan: []string{"a/e1"},
		},
		{
			name: "an unknown receive count is never handed back",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{msg("m1", "a", pushBody(t, "a", "e1"))}
			},
			booked:  map[string]bool{"e1": true},
			wantRan: []string{"a/e1"},
		},
		{
			name: "a failure before the last delivery is retried",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{received(msg("m1", "a", pushBody(t, "a", "e1")), "27"), received(msg("m2", "a", pushBody(t, "a", "e2")), "1")}
			},
			fail:     map[string]bool{"e1": true},
			wantFail: []string{"m1", "m2"},
		},
		{
			name: "a failure on the last delivery is recorded and acknowledged; its group goes on",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{received(msg("m1", "a", pushBody(t, "a", "e1")), "28"), received(msg("m2", "a", pushBody(t, "a", "e2")), "1")}
			},
			fail:        map[string]bool{"e1": true},
			wantExhaust: []string{"e1"},
		},
		{
			name: "a last delivery whose failure cannot be recorded goes on to the dead-letter queue",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{received(msg("m1", "a", pushBody(t, "a", "e1")), "29"), received(msg("m2", "a", pushBody(t, "a", "e2")), "1")}
			},
			fail:     map[string]bool{"e1": true},
			noRecord: true,
			wantFail: []string{"m1", "m2"},
		},
		{
			name: "all succeed",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{msg("m1", "a", pushBody(t, "a", "e1")), msg("m2", "b", pushBody(t, "b", "e2"))}
			},
		},
		{
			name: "a failure fails the rest of its group only",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{
					msg("m1", "a", pushBody(t, "a", "e1")), msg("m2", "a", pushBody(t, "a", "e2")), msg("m3", "a", pushBody(t, "a", "e3")),
					msg("m4", "b", pushBody(t, "b", "e4")),
				}
			},
			fail:     map[string]bool{"e2": true},
			wantFail: []string{"m2", "m3"},
		},
		{
			name: "malformed with readable ids is rejected and acknowledged",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{msg("m1", "a", `{"kind":"nope","companyId":"acme","candidateId":"c1"}`)}
			},
			wantRej: 1,
		},
		{
			name: "unreadable is left for the dead-letter queue",
			records: func(t *testing.T) []events.SQSMessage {
				return []events.SQSMessage{msg("m1", "a", `not json`), msg("m2", "a", pushBody(t, "a", "e2"))}
			},
			wantFail: []string{"m1", "m2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &jobs{fail: tt.fail, noRecord: tt.noRecord, booked: tt.booked}
			vis := &visibility{got: map[string]time.Duration{}}
			h := &Exports{Jobs: j, MaxReceives: 28, Queue: vis, Log: quiet}
			resp, err := h.HandleBatch(context.Background(), events.SQSEvent{Records: tt.records(t)})
			if err != nil {
				t.Fatalf("HandleBatch: %v", err)
			}
			var got []string
			for _, f := range resp.BatchItemFailures {
				got = append(got, f.ItemIdentifier)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.wantFail) {
				t.Errorf("failures: got %v, want %v", got, tt.wantFail)
			}
			if len(j.rejected) != tt.wantRej {
				t.Errorf("rejected: got %v, want %d", j.rejected, tt.wantRej)
			}
			if !slices.Equal(j.exhaust, tt.wantExhaust) {
				t.Errorf("exhausted: got %v, want %v", j.exhaust, tt.wantExhaust)
			}
			if tt.wantBack == nil {
				tt.wantBack = map[string]time.Duration{}
			}
			if !maps.Equal(vis.got, tt.wantBack) {
				t.Errorf("handed back: got %v, want %v", vis.got, tt.wantBack)
			}
			// Every hand-back of the batch in one request.
			if want := min(len(tt.wantBack), 1); vis.calls != want {
				t.Errorf("hand-back requests: got %d, want %d", vis.calls, want)
			}
			if tt.wantRan != nil {
				ran := slices.Clone(j.ran)
				slices.Sort(ran)
				if !slices.Equal(ran, tt.wantRan) {
					t.Errorf("ran: got %v, want %v", ran, tt.wantRan)
				}
			}
		})
	}
}

func TestExportsGroupOrder(t *testing.T) {
	j := &jobs{}
	h := &Exports{Jobs: j, Log: quiet}
	var recs []events.SQSMessage
	for _, e := range []string{"e1", "e2", "e3"} {
		recs = append(recs, events.SQSMessage{MessageId: e, Body: pushBody(t, "a", e), Attributes: map[string]string{"MessageGroupId": "a"}})
	}
	if _, err := h.HandleBatch(context.Background(), events.SQSEvent{Records: recs}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/e1", "a/e2", "a/e3"}; !slices.Equal(j.ran, want) {
		t.Errorf("order within a group: got %v, want %v", j.ran, want)
	}
}

// refresher records refreshed companies and fails those in fail.
