package harness

import (
	"context"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/outbox"
)

// VendorEventsSecret signs outbound events in the harness.
const VendorEventsSecret = "bench-vendor-events-secret"

// EventsOptions turn on outbound events and Lever sync-back (Options.Events).
type EventsOptions struct {
	VendorFailRate float64 // share of deliveries the vendor answers 503
	hookURL        string
}

// lazyHandler serves h once set: the Lever webhook route's URL must be
// known before the app that serves it is built.
type lazyHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (l *lazyHandler) set(h http.Handler) { l.mu.Lock(); l.h = h; l.mu.Unlock() }

func (l *lazyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	h := l.h
	l.mu.Unlock()
	if h == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

// Vendor is the vendor's events endpoint: it verifies each delivery's
// signature, fails a share of them (seeded), and records the ids it
// acknowledged. Safe for concurrent use.
type Vendor struct {
	srv      *httptest.Server
	mu       sync.Mutex
	rng      *mrand.Rand
	failRate float64
	requests int
	failed   int
	bad      int            // deliveries whose signature did not verify
	acked    map[string]int // event id → acknowledged deliveries
}

func newVendor(failRate float64, seed uint64) *Vendor {
	v := &Vendor{rng: mrand.New(mrand.NewPCG(seed, 11)), failRate: failRate, acked: map[string]int{}}
	v.srv = httptest.NewServer(http.HandlerFunc(v.serve))
	return v
}

func (v *Vendor) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev outbox.Event
	verr := event.Verify(r.Header.Get(event.SignatureHeader), body, []string{VendorEventsSecret}, time.Now())
	jerr := json.Unmarshal(body, &ev)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.requests++
	if verr != nil || jerr != nil || ev.ID == "" {
		v.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if v.rng.Float64() < v.failRate {
		v.failed++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	v.acked[ev.ID]++
	w.WriteHeader(http.StatusOK)
}

// VendorStats is what the vendor saw.
type VendorStats struct {
	Requests, Failed, Bad int
	Acked                 map[string]int
}

// Stats returns a copy of what the vendor saw.
func (v *Vendor) Stats() VendorStats {
	v.mu.Lock()
	defer v.mu.Unlock()
	acked := make(map[string]int, len(v.acked))
	for k, n := range v.acked {
		acked[k] = n
	}
	return VendorStats{Requests: v.requests, Failed: v.failed, Bad: v.bad, Acked: acked}
}

// StartDispatcher plays the dispatcher's DynamoDB Streams triggers until
// ctx ends: one poller per streamed table, each batch handed to the
// dispatcher function through Lambda's JSON boundary. It returns a wait
// for the pollers to stop.
func (e *Env) StartDispatcher(ctx context.Context) (func(), error) {
	db, err := dynamo.NewClient(ctx, e.Config.DynamoDBEndpoint)
	if err != nil {
		return nil, err
	}
	streams, err := dynamo.NewStreamsClient(ctx, e.Config.DynamoDBEndpoint)
	if err != nil {
		return nil, err
	}
	h := lambda.NewHandler(e.App.DispatcherFunction())
	names := map[string]string{"ConnectionsTable": e.Tables.Connections, "LinksTable": e.Tables.Links, "ExportsTable": e.Tables.Exports}
	var wg sync.WaitGroup
	for _, t := range e.stack.Tables {
		if t.StreamView == "" || names[t.LogicalID] == "" {
			continue
		}
		p := &dynamo.StreamPoller{DB: db, Streams: streams, Table: names[t.LogicalID], Wait: 200 * time.Millisecond, Log: e.App.Log,
			Handler: func(ctx context.Context, ev events.DynamoDBEvent) error {
				payload, err := json.Marshal(ev)
				if err != nil {
					return err
				}
				_, err = h.Invoke(ctx, payload)
				return err
			}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.Run(ctx)
		}()
	}
	return wg.Wait, nil
}

// Sweep runs the dispatcher's retry schedule once.
func (e *Env) Sweep(ctx context.Context) error {
	_, err := e.App.DispatcherFunction()(ctx, json.RawMessage(`{"source":"bench.schedule"}`))
	return err
}
