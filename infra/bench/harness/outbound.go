package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/outbox"
)

// APIKey is the harness's management API key (the APIKeysParam secret).
const APIKey = "bench-api-key-0123456789"

// StartDispatcher plays the dispatcher function's triggers until ctx ends
// or the returned stop is called: one DynamoDB Streams poller per table
// stream of the template (like Lambda's event source mapping, through the
// Lambda JSON boundary) and, when sweepEvery > 0, its retry schedule every
// sweepEvery. stop waits for them to end.
func (e *Env) StartDispatcher(ctx context.Context, sweepEvery time.Duration) (stop func(), err error) {
	if e.App.DispatchJobs == nil {
		return nil, errors.New("harness: no outbox table: the dispatcher is not wired")
	}
	streams, err := dynamo.NewStreamsClient(ctx, e.App.Config.DynamoDBEndpoint)
	if err != nil {
		return nil, err
	}
	h := lambda.NewHandler(e.App.DispatcherFunction())
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, t := range e.stack.Tables {
		if t.StreamView == "" {
			continue
		}
		p := &dynamo.StreamPoller{DB: e.ddbClient, Streams: streams, Table: e.prefix + t.Name, Wait: 200 * time.Millisecond, Log: e.App.Log, Function: h}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Run(ctx); err != nil && ctx.Err() == nil {
				e.App.Log.Error("stream poller stopped", "table", p.Table, "err", err)
			}
		}()
	}
	if sweepEvery > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(sweepEvery):
				}
				if _, err := h.Invoke(ctx, []byte(`{"source":"aws.scheduler"}`)); err != nil && ctx.Err() == nil {
					e.App.Log.Warn("dispatcher sweep", "err", err)
				}
			}
		}()
	}
	return func() { cancel(); wg.Wait() }, nil
}

// FeedEvent is one event of GET /v1/companies/{id}/events: the envelope
// and its delivery record.
type FeedEvent struct {
	outbox.Event
	Delivery outbox.Delivery `json:"delivery"`
}

// Feed reads companyID's whole events feed through the management API
// (in-process, the harness's key), page by page with the cursor.
func (e *Env) Feed(ctx context.Context, companyID string, pageSize int) ([]FeedEvent, error) {
	api := e.App.APIHandler()
	var out []FeedEvent
	after := ""
	for {
		q := url.Values{"limit": {fmt.Sprint(pageSize)}}
		if after != "" {
			q.Set("after", after)
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/v1/companies/"+url.PathEscape(companyID)+"/events?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+APIKey)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return out, fmt.Errorf("GET events of %s: %d %s", companyID, rec.Code, rec.Body.String())
		}
		var page struct {
			Events []FeedEvent `json:"events"`
			Cursor string      `json:"cursor"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			return out, fmt.Errorf("GET events of %s: %w", companyID, err)
		}
		out = append(out, page.Events...)
		if len(page.Events) == 0 || page.Cursor == after {
			return out, nil
		}
		after = page.Cursor
	}
}
