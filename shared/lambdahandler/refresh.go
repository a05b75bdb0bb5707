package lambdahandler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/posting"
)

// PostingsRefresher refreshes postings (posting.Refresher implements it).
type PostingsRefresher interface {
	// FanOut hands every connected company to the refresher function in
	// refresh requests and returns how many companies it asked for.
	FanOut(ctx context.Context) (int, error)
	// RefreshSince refreshes one company's postings unless a pass
	// recorded after since did (Skipped "joined").
	RefreshSince(ctx context.Context, companyID string, since time.Time) (posting.Result, error)
}

var _ PostingsRefresher = (*posting.Refresher)(nil)

// LeverSyncer keeps a company's Lever webhooks in place and polls Lever
// when they are missing or silent (leversync.Syncer).
type LeverSyncer interface {
	Sync(ctx context.Context, companyID string) (leversync.SyncResult, error)
}

// RequestConcurrency is how many companies of one refresh request are
// refreshed at a time: with the fan-out's few requests
// (posting.MaxFanOutInvocations), a pass over every company takes
// companies ÷ (3 × 4) refresh times, within one Lambda instance each.
const RequestConcurrency = 4

// Refreshes is the refresher function's handler. Safe for concurrent use.
type Refreshes struct {
	Refresher PostingsRefresher
	// Sync, when set, runs after each company's postings refresh: Lever
	// sync-back's webhooks and poll fallback.
	Sync        LeverSyncer
	Concurrency int // companies refreshed at a time; RequestConcurrency when 0
	Log         *slog.Logger
}

// RequestResult answers a refresh request.
type RequestResult struct {
	Refreshed int      `json:"refreshed"`
	Failed    []string `json:"failed,omitempty"` // company ids
}

// Handle is the refresher function's entry point, dispatched at the JSON
// boundary: a refresh request (posting.IsRefreshRequest: an asynchronous
// invocation from the fan-out or a connect) is handled by HandleRequest;
// anything else is the schedule, which fans out (posting.Refresher.FanOut)
// and answers {"requested": n}.
func (h *Refreshes) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	if posting.IsRefreshRequest(raw) {
		return h.HandleRequest(ctx, raw)
	}
	n, err := h.Refresher.FanOut(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]int{"requested": n}, nil
}

// HandleRequest refreshes the companies of one refresh request
// (posting.DecodeRefreshRequest), Concurrency at a time: postings first
// (RefreshSince the request's time, so a retried request skips the
// companies already refreshed), then Lever sync-back (Sync). A payload
// that is not a valid request is an error (apperr Invalid naming the
// field). When any company failed, the error names them: Lambda retries
// the whole request (EventInvokeConfig) and, once it still fails, sends it
// to the on-failure destination, the refresh dead-letter queue.
func (h *Refreshes) HandleRequest(ctx context.Context, payload []byte) (RequestResult, error) {
	req, err := posting.DecodeRefreshRequest(payload)
	if err != nil {
		h.log().ErrorContext(ctx, "malformed refresh request", "err", err)
		return RequestResult{}, fmt.Errorf("refresh request: %w", err)
	}
	n := h.Concurrency
	if n <= 0 {
		n = RequestConcurrency
	}
	var (
		mu   sync.Mutex
		res  RequestResult
		wg   sync.WaitGroup
		slot = make(chan struct{}, n)
	)
	for _, id := range req.CompanyIDs {
		wg.Add(1)
		slot <- struct{}{}
		go func() {
			defer func() { <-slot; wg.Done() }()
			ok := h.refreshOne(ctx, id, req.RequestedAt)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				res.Refreshed++
			} else {
				res.Failed = append(res.Failed, id)
			}
		}()
	}
	wg.Wait()
	if len(res.Failed) > 0 {
		return res, fmt.Errorf("refresh of %d of %d companies failed (%s); the request is retried", len(res.Failed), len(req.CompanyIDs), strings.Join(res.Failed, ", "))
	}
	return res, nil
}

// refreshOne refreshes one company's postings, then its Lever sync-back;
// false when either failed (logged with the company id and the error).
func (h *Refreshes) refreshOne(ctx context.Context, companyID string, since time.Time) bool {
	if _, err := h.Refresher.RefreshSince(ctx, companyID, since); err != nil {
		h.log().WarnContext(ctx, "refresh will be retried", "company_id", companyID, "err", err)
		return false
	}
	if h.Sync == nil {
		return true
	}
	if _, err := h.Sync.Sync(ctx, companyID); err != nil {
		h.log().WarnContext(ctx, "lever sync-back will be retried", "company_id", companyID, "err", err)
		return false
	}
	return true
}

func (h *Refreshes) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
