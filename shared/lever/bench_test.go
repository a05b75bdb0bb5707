package lever_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/lever"
)

// BenchmarkClientGetOpportunity measures client calls against the fake over
// loopback HTTP, interleaved with bare http.Client requests to the same
// endpoint, and reports the client's overhead per call (token lookup,
// headers, hook, JSON decoding). ns/op covers one raw plus one client call.
func BenchmarkClientGetOpportunity(b *testing.B) {
	e := newEnv(b, noRate(), lever.Config{})
	ctx := context.Background()
	opp, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Bench", Emails: []string{"b@example.com"}})
	if err != nil {
		b.Fatal(err)
	}
	url := e.ts.Endpoints().APIBase + "/opportunities/" + opp.ID
	hc := e.ts.Client()
	raw := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens.AccessToken)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var buf [4096]byte
		for {
			if _, err := resp.Body.Read(buf[:]); err != nil {
				break
			}
		}
		resp.Body.Close()
	}
	// Interleave raw and client calls so both see the same conditions.
	var rawTotal, clientTotal time.Duration
	for b.Loop() {
		t0 := time.Now()
		raw()
		t1 := time.Now()
		if _, err := e.client.GetOpportunity(ctx, opp.ID); err != nil {
			b.Fatal(err)
		}
		rawTotal += t1.Sub(t0)
		clientTotal += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(rawTotal.Nanoseconds())/n, "raw-ns/call")
	b.ReportMetric(float64(clientTotal.Nanoseconds())/n, "client-ns/call")
	b.ReportMetric(float64((clientTotal-rawTotal).Nanoseconds())/n, "overhead-ns/call")
}

// BenchmarkClientCreateOpportunity measures JSON creates through the client.
func BenchmarkClientCreateOpportunity(b *testing.B) {
	e := newEnv(b, noRate(), lever.Config{})
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Bench", Origin: lever.OriginSourced}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
