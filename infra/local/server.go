package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/httpapi"
)

// shutdownTimeout bounds the wait for in-flight requests and workers on stop.
const shutdownTimeout = 10 * time.Second

// run provisions the stack, listens on s.Addr and serves until ctx ends.
func run(ctx context.Context, s settings, log *slog.Logger, out io.Writer) error {
	st, err := provision(ctx, s, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set LEVERLINK_PORT to use another port): %w", s.Addr, err)
	}
	return serve(ctx, ln, s, st, log, out)
}

// serve serves the stack's routes on ln and runs its workers until ctx ends
// or a worker fails, then shuts the server down gracefully. It closes ln.
func serve(ctx context.Context, ln net.Listener, s settings, st *stack, log *slog.Logger, out io.Writer) error {
	m, info, err := functionMounts(ctx, st, s, log)
	if err != nil {
		ln.Close()
		return err
	}
	checks := st.checks()
	routes, functions, err := buildRoutes(st.Def, m, func(fs []functionSummary) http.Handler {
		return healthHandler(checks, fs, log)
	})
	if err != nil {
		ln.Close()
		return err
	}
	mux, err := newMux(routes)
	if err != nil {
		ln.Close()
		return err
	}
	return serveMux(ctx, ln, withRequestID(jsonErrors(mux)), m.Workers, log, func(url string) {
		printBanner(out, url, s, st, routes, functions, info)
		writeStateFile(url, info, log)
		log.Info("listening", "url", url, "stage", stage)
	})
}

// withRequestID gives every request an X-Request-Id (as API Gateway gives
// its id) and echoes it, so that even a path no route serves is answered
// with one; the functions' handlers reuse it. A caller's id is kept when
// httpapi.ValidRequestID accepts it (the one rule the functions apply).
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !httpapi.ValidRequestID(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
			r.Header.Set("X-Request-Id", id)
		}
		w.Header().Set("X-Request-Id", id)
		h.ServeHTTP(w, r)
	})
}

// serveMux is serve's engine: it serves h on ln, runs the workers, calls
// ready once accepting, and stops everything when ctx ends or a worker
// fails.
func serveMux(ctx context.Context, ln net.Listener, h http.Handler, workers []worker, log *slog.Logger, ready func(url string)) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	wg.Go(func() { serveErr <- srv.Serve(ln) })
	for _, w := range workers {
		wg.Go(func() {
			log.Info("worker started", "worker", w.Name)
			if err := w.Run(ctx); err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("worker %s: %w", w.Name, err))
			}
		})
	}
	ready("http://" + ln.Addr().String())

	var failure error
	select {
	case <-ctx.Done():
		if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
			failure = cause
		}
	case err := <-serveErr:
		failure = fmt.Errorf("http server: %w", err)
		serveErr <- nil
	}
	log.Info("stopping")
	cancel(nil) // stop the workers
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown incomplete", "error", err.Error())
	}
	wg.Wait()
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) && failure == nil {
		failure = fmt.Errorf("http server: %w", err)
	}
	if failure == nil {
		log.Info("stopped")
	}
	return failure
}

// printBanner tells the developer, in plain text, where everything is.
func printBanner(out io.Writer, url string, s settings, st *stack, routes []route, functions []functionSummary, info localInfo) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nleverlink local stack (stage %q) listening on %s\n", stage, url)
	fmt.Fprintf(&b, "  health:     curl %s/healthz\n", url)
	fmt.Fprintf(&b, "  DynamoDB:   %s\n", s.DynamoDBEndpoint)
	for _, t := range st.Def.Tables {
		fmt.Fprintf(&b, "    table  %-18s %s\n", t.LogicalID, t.Name)
	}
	fmt.Fprintf(&b, "  SQS:        %s\n", s.SQSEndpoint)
	for _, q := range st.Def.Queues {
		fmt.Fprintf(&b, "    queue  %-18s %s\n", q.LogicalID, st.Queues[q.LogicalID])
	}
	fmt.Fprintf(&b, "  functions:\n")
	for _, f := range functions {
		state := "not mounted yet"
		if f.Mounted {
			state = "mounted"
		}
		fmt.Fprintf(&b, "    %-10s %-16s %s\n", f.Name, state, strings.Join(f.Triggers, "; "))
	}
	fmt.Fprintf(&b, "  management API: %s/v1/companies/{companyId}/...   Authorization: Bearer %s\n", url, info.APIKey)
	fmt.Fprintf(&b, "  webhook:        POST %s/v1/events   signing secret: %s\n", url, info.WebhookSecret)
	fmt.Fprintf(&b, "  OAuth callback: %s\n", info.Callback)
	if info.FakeLever != "" {
		fmt.Fprintf(&b, "  fake Lever:     %s (admin %s/_admin/, demo account %s)\n", info.FakeLever, info.FakeLever, info.FakeAccount)
	} else {
		fmt.Fprintf(&b, "  Lever:          the real Lever (LEVER_CLIENT_ID is set)\n")
	}
	if info.SetupURL != "" {
		fmt.Fprintf(&b, "  setup page for company %s (valid 1 h; POST .../setup-sessions mints more):\n    %s\n", demoCompany, info.SetupURL)
	}
	fmt.Fprintf(&b, "  routes served: %d; Ctrl-C stops everything.\n\n", len(routes))
	_, _ = io.WriteString(out, b.String())
}

// writeStateFile records where the stack listens and its local credentials
// in LEVERLINK_STATE_FILE (when set), for `make demo` and other local tools.
// The file is created with mode 0600.
func writeStateFile(url string, info localInfo, log *slog.Logger) {
	path := os.Getenv("LEVERLINK_STATE_FILE")
	if path == "" {
		return
	}
	b, _ := json.MarshalIndent(map[string]string{
		"url": url, "apiKey": info.APIKey, "webhookSecret": info.WebhookSecret,
		"fakeLever": info.FakeLever, "fakeAccount": info.FakeAccount, "callback": info.Callback,
	}, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		log.Warn("write state file", "path", path, "error", err.Error())
	}
}
