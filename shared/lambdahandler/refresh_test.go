package lambdahandler

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/posting"
)

type refresher struct {
	mu        sync.Mutex
	refreshed []string
	since     []time.Time
	running   int
	most      int // most refreshes at once
	fanouts   int
	fail      map[string]bool
	fanErr    error
}

func (r *refresher) FanOut(context.Context) (int, error) {
	r.fanouts++
	return 3, r.fanErr
}

func (r *refresher) RefreshSince(_ context.Context, companyID string, since time.Time) (posting.Result, error) {
	r.mu.Lock()
	r.refreshed = append(r.refreshed, companyID)
	r.since = append(r.since, since)
	r.running++
	r.most = max(r.most, r.running)
	r.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running--
	if r.fail[companyID] {
		return posting.Result{}, errors.New("lever down")
	}
	return posting.Result{}, nil
}

type syncer struct {
	mu     sync.Mutex
	synced []string
	fail   map[string]bool
}

func (s *syncer) Sync(_ context.Context, companyID string) (leversync.SyncResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.synced = append(s.synced, companyID)
	if s.fail[companyID] {
		return leversync.SyncResult{}, errors.New("webhooks down")
	}
	return leversync.SyncResult{}, nil
}

func TestRefreshesHandle(t *testing.T) {
	at := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
	request := func(ids ...string) json.RawMessage { return posting.EncodeRefreshRequest(ids, at) }
	tests := []struct {
		name          string
		raw           json.RawMessage
		fail, syncErr map[string]bool
		fanErr        error
		wantOut       string
		wantErr       string // a substring; "" none
		wantRefreshed []string
		wantSynced    []string
	}{
		{name: "schedule fans out", raw: json.RawMessage(`{"source":"aws.scheduler"}`), wantOut: `{"requested":3}`},
		{name: "empty event fans out", raw: json.RawMessage(`{}`), wantOut: `{"requested":3}`},
		{name: "fan-out error", raw: json.RawMessage(`{}`), fanErr: errors.New("ddb down"), wantErr: "ddb down"},
		{
			name: "request refreshes then syncs each company", raw: request("co-a", "co-b", "co-c"),
			wantOut: `{"refreshed":3}`, wantRefreshed: []string{"co-a", "co-b", "co-c"}, wantSynced: []string{"co-a", "co-b", "co-c"},
		},
		{
			name: "a failed refresh fails the request, naming it", raw: request("co-a", "co-b", "co-c"), fail: map[string]bool{"co-b": true},
			wantErr: "1 of 3 companies failed (co-b)", wantRefreshed: []string{"co-a", "co-b", "co-c"}, wantSynced: []string{"co-a", "co-c"},
		},
		{
			name: "a failed sync fails the request", raw: request("co-a"), syncErr: map[string]bool{"co-a": true},
			wantErr: "(co-a)", wantRefreshed: []string{"co-a"}, wantSynced: []string{"co-a"},
		},
		{
			name: "malformed request", raw: json.RawMessage(`{"kind":"postings.refresh","companyIds":["a/b"],"requestedAt":"2026-11-30T18:00:00Z"}`),
			wantErr: "companyIds[0]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &refresher{fail: tt.fail, fanErr: tt.fanErr}
			s := &syncer{fail: tt.syncErr}
			out, err := (&Refreshes{Refresher: r, Sync: s, Log: quiet}).Handle(context.Background(), tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Handle: err %v, want one containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Handle: %v", err)
			} else if got, _ := json.Marshal(out); string(got) != tt.wantOut {
				t.Errorf("answer: got %s, want %s", got, tt.wantOut)
			}
			slices.Sort(r.refreshed)
			slices.Sort(s.synced)
			if !slices.Equal(r.refreshed, tt.wantRefreshed) || !slices.Equal(s.synced, tt.wantSynced) {
				t.Errorf("refreshed %v synced %v, want %v %v", r.refreshed, s.synced, tt.wantRefreshed, tt.wantSynced)
			}
			for _, since := range r.since {
				if !since.Equal(at) {
					t.Errorf("RefreshSince %v, want the request's time %v", since, at)
				}
			}
		})
	}
}

// TestRefreshesRequestConcurrency: a request's companies are refreshed
// in parallel, never more than Concurrency at a time.
func TestRefreshesRequestConcurrency(t *testing.T) {
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = "co-" + string(rune('a'+i))
	}
	r := &refresher{}
	h := &Refreshes{Refresher: r, Concurrency: 3, Log: quiet}
	res, err := h.HandleRequest(context.Background(), posting.EncodeRefreshRequest(ids, time.Now()))
	if err != nil || res.Refreshed != 20 {
		t.Fatalf("HandleRequest = %+v, %v", res, err)
	}
	if r.most < 2 || r.most > 3 {
		t.Errorf("at most %d refreshes at once, want 2..3", r.most)
	}
	if _, err := h.HandleRequest(context.Background(), []byte(`{"source":"aws.scheduler"}`)); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("HandleRequest of a schedule event: %v, want Invalid", err)
	}
}
