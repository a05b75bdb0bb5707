package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"
)

// checkTimeout bounds each health check (a variable for tests).
var checkTimeout = 2 * time.Second

// check reports whether one dependency answers.
type check func(ctx context.Context) error

// healthReport is GET /healthz's body.
type healthReport struct {
	Status    string            `json:"status"` // ok | degraded
	DynamoDB  string            `json:"dynamodb"`
	SQS       string            `json:"sqs"`
	Functions []functionSummary `json:"functions"`
}

// functionSummary describes one template function in /healthz.
type functionSummary struct {
	Name      string   `json:"name"`      // the functions/<name> package
	LogicalID string   `json:"logicalId"` // in template.yaml
	Triggers  []string `json:"triggers"`  // "HttpApi GET /path", "SQS ExportQueue", "ScheduleV2 rate(15 minutes)"
	Mounted   bool     `json:"mounted"`   // whether its handler or poller runs in this process
}

// healthHandler answers GET /healthz: 200 when every check passes within
// checkTimeout, 503 otherwise, with each component's "ok" or "error".
func healthHandler(checks map[string]check, functions []functionSummary, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errs := runChecks(r.Context(), checks)
		state := func(name string) string {
			if err, ran := errs[name]; !ran || err != nil {
				return "error"
			}
			return "ok"
		}
		rep := healthReport{Status: "ok", DynamoDB: state("dynamodb"), SQS: state("sqs"), Functions: functions}
		status := http.StatusOK
		names := make([]string, 0, len(checks))
		for name := range checks {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if errs[name] != nil {
				rep.Status, status = "degraded", http.StatusServiceUnavailable
				log.Warn("health check failed", "component", name, "error", errs[name].Error())
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(rep)
	})
}

// runChecks runs the checks concurrently, each bounded by checkTimeout, and
// returns each one's error (nil: it answered) by name.
func runChecks(ctx context.Context, checks map[string]check) map[string]error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := make(map[string]error, len(checks))
	for name, c := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			err := c(ctx)
			mu.Lock()
			out[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
