package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/stackdef"
)

func quietLog() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadSettings(t *testing.T) {
	endpoints := map[string]string{"DYNAMODB_ENDPOINT": "http://127.0.0.1:1", "SQS_ENDPOINT": "http://127.0.0.1:2"}
	s, err := loadSettings(env(endpoints))
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr != "127.0.0.1:8080" || !strings.HasSuffix(s.TemplatePath, "/template.yaml") {
		t.Errorf("defaults = %+v", s)
	}
	if _, err := os.Stat(s.TemplatePath); err != nil {
		t.Errorf("template not found: %v", err)
	}

	s, err = loadSettings(env(map[string]string{"LEVERLINK_PORT": "9999", "LEVERLINK_TEMPLATE": "/x/t.yaml",
		"DYNAMODB_ENDPOINT": "http://d", "SQS_ENDPOINT": "http://s"}))
	if err != nil || s.Addr != "127.0.0.1:9999" || s.TemplatePath != "/x/t.yaml" {
		t.Errorf("overrides = %+v, %v", s, err)
	}

	_, err = loadSettings(env(map[string]string{"LEVERLINK_PORT": "http"}))
	for _, want := range []string{"LEVERLINK_PORT", "DYNAMODB_ENDPOINT is not set", "SQS_ENDPOINT is not set", "make run"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}

func TestHTTPAPIRoute(t *testing.T) {
	tests := []struct {
		method, path string
		want         string // pattern, "" for an error
	}{
		{"ANY", "/v1/companies/{companyId}/{proxy+}", "/v1/companies/{companyId}/{proxy...}"},
		{"post", "/v1/events", "POST /v1/events"},
		{"GET", "/oauth/lever/callback", "GET /oauth/lever/callback"},
		{"", "/x", ""},
		{"GET", "relative", ""},
	}
	for _, tt := range tests {
		r, err := httpAPIRoute(map[string]any{"Method": tt.method, "Path": tt.path})
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s %s: want an error", tt.method, tt.path)
			}
			continue
		}
		if err != nil || r.pattern() != tt.want {
			t.Errorf("%s %s: pattern %q, %v; want %q", tt.method, tt.path, r.pattern(), err, tt.want)
		}
	}
}

func TestHealthHandler(t *testing.T) {
	old := checkTimeout
	checkTimeout = 100 * time.Millisecond
	t.Cleanup(func() { checkTimeout = old })
	ok := func(context.Context) error { return nil }
	failing := func(context.Context) error { return errors.New("connection refused") }
	hanging := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	fns := []functionSummary{{Name: "api", LogicalID: "ApiFunction", Triggers: []string{}}}
	tests := []struct {
		name       string
		ddb, sqs   check
		wantStatus int
		want       healthReport
	}{
		{"both answer", ok, ok, 200, healthReport{Status: "ok", DynamoDB: "ok", SQS: "ok", Functions: fns}},
		{"sqs down", ok, failing, 503, healthReport{Status: "degraded", DynamoDB: "ok", SQS: "error", Functions: fns}},
		{"dynamodb hangs", hanging, ok, 503, healthReport{Status: "degraded", DynamoDB: "error", SQS: "ok", Functions: fns}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := healthHandler(map[string]check{"dynamodb": tt.ddb, "sqs": tt.sqs}, fns, quietLog())
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %s: checks are not bounded", took)
			}
			var got healthReport
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			if rec.Code != tt.wantStatus || got.Status != tt.want.Status || got.DynamoDB != tt.want.DynamoDB ||
				got.SQS != tt.want.SQS || len(got.Functions) != 1 || got.Functions[0].Name != "api" {
				t.Errorf("status %d body %s; want %d %+v", rec.Code, rec.Body, tt.wantStatus, tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func testDef(t *testing.T) stackdef.Stack {
	t.Helper()
	wd, _ := os.Getwd()
	path, err := stackdef.FindTemplate(wd)
	if err != nil {
		t.Fatal(err)
	}
	def, err := stackdef.Load(path, stage)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestBuildRoutesMountsHandlers(t *testing.T) {
	def := testDef(t)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "api "+r.Method+" "+r.PathValue("companyId")+" "+r.PathValue("proxy"))
	})
	m := mounts{
		Handlers: map[string]http.Handler{"api": api},
		Workers:  []worker{{Name: "exporter", Run: func(ctx context.Context) error { <-ctx.Done(); return nil }}},
	}
	health := func([]functionSummary) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "healthy") })
	}
	routes, fns, err := buildRoutes(def, m, health)
	if err != nil {
		t.Fatal(err)
	}
	mux, err := newMux(routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/healthz", 200, "healthy"},
		{"POST", "/healthz", 405, ""},
		{"DELETE", "/v1/companies/c1/links/p1", 200, "api DELETE c1 links/p1"},
		{"POST", "/v1/events", 404, ""}, // webhook not mounted
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.code || (tt.body != "" && rec.Body.String() != tt.body) {
			t.Errorf("%s %s = %d %q; want %d %q", tt.method, tt.path, rec.Code, rec.Body, tt.code, tt.body)
		}
	}
	byName := map[string]functionSummary{}
	for _, f := range fns {
		byName[f.Name] = f
	}
	if len(fns) != len(def.Functions) || !byName["api"].Mounted || !byName["exporter"].Mounted || byName["webhook"].Mounted {
		t.Errorf("summaries = %+v", fns)
	}
	if got := strings.Join(byName["refresher"].Triggers, "; "); strings.Contains(got, "SQS") || !strings.Contains(got, "ScheduleV2 rate(") {
		t.Errorf("refresher triggers = %q", got)
	}
	if got := strings.Join(byName["webhook"].Triggers, "; "); got != "HttpApi POST /v1/events; HttpApi POST /v1/lever-webhooks/{companyId}" {
		t.Errorf("webhook triggers = %q", got)
	}

	// Two handlers on one pattern is an error, not a panic.
	if _, err := newMux(append(routes, routes[0])); err == nil {
		t.Error("newMux accepted a duplicate pattern")
	}
}

func TestServeMuxStops(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hi") })
	t.Run("on cancel", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		w := worker{Name: "poller", Run: func(ctx context.Context) error { <-ctx.Done(); close(stopped); return ctx.Err() }}
		done := make(chan error, 1)
		urls := make(chan string, 1)
		go func() { done <- serveMux(ctx, ln, hello, []worker{w}, quietLog(), func(u string) { urls <- u }) }()
		resp, err := http.Get(<-urls)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serveMux = %v, want nil on cancel", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("serveMux did not stop")
		}
		select {
		case <-stopped:
		default:
			t.Error("worker not stopped")
		}
		if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
			t.Error("still listening after stop")
		}
	})
	t.Run("on worker failure", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		w := worker{Name: "poller", Run: func(context.Context) error { return errors.New("queue gone") }}
		err = serveMux(context.Background(), ln, hello, []worker{w}, quietLog(), func(string) {})
		if err == nil || !strings.Contains(err.Error(), "worker poller: queue gone") {
			t.Errorf("serveMux = %v, want the worker's error", err)
		}
	})
}

// TestRunAgainstEmulators provisions the local stack on the emulators
// (twice: it is idempotent), serves it and checks /healthz.
func TestRunAgainstEmulators(t *testing.T) {
	if os.Getenv("DYNAMODB_ENDPOINT") == "" || os.Getenv("SQS_ENDPOINT") == "" {
		if os.Getenv("LEVERLINK_EMULATORS") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("DYNAMODB_ENDPOINT / SQS_ENDPOINT not set but the emulators are expected")
		}
		t.Skip("DYNAMODB_ENDPOINT / SQS_ENDPOINT not set: run `make test`")
	}
	t.Setenv("LEVERFAKE_PORT", "0")
	t.Setenv("LEVERLINK_API_KEY", "local-test-key")
	t.Setenv("LEVERLINK_WEBHOOK_SECRET", "whsec-test")
	s, err := loadSettings(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := provision(ctx, s, quietLog())
	if err != nil {
		t.Fatalf("provision: %v", err)
	}
	if _, err := provision(ctx, s, quietLog()); err != nil {
		t.Fatalf("second provision: %v", err)
	}
	if st.Tables.Exports != "leverlink-local-exports" || !strings.HasSuffix(st.Queues["ExportQueue"], "/leverlink-local-export.fifo") {
		t.Errorf("tables %+v queues %v", st.Tables, st.Queues)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	var banner bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- serve(sctx, ln, s, st, quietLog(), &banner) }()

	var resp *http.Response
	for i := 0; i < 50; i++ { // serve prints the banner once accepting
		if resp, err = http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	var rep healthReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || rep.Status != "ok" || rep.DynamoDB != "ok" || rep.SQS != "ok" || len(rep.Functions) != 6 {
		t.Errorf("/healthz = %d %+v", resp.StatusCode, rep)
	}
	for _, f := range rep.Functions {
		if !f.Mounted {
			t.Errorf("function %s is not mounted", f.Name)
		}
	}
	// A management call goes through the API Gateway v2 event boundary.
	tests := []struct {
		key        string
		wantStatus int
		wantBody   string
	}{
		{"local-test-key", 200, `"status":"not_connected"`},
		{"wrong", 401, `"code":"unauthorized"`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v1/companies/acme/connection", nil)
		req.Header.Set("Authorization", "Bearer "+tt.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || !strings.Contains(body.String(), tt.wantBody) || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("key %q: got %d %s (request id %q), want %d with %s", tt.key, resp.StatusCode, body.String(), resp.Header.Get("X-Request-Id"), tt.wantStatus, tt.wantBody)
		}
	}
	// A signed event goes through the same boundary (API Gateway splits
	// header values at commas; the signature must survive it).
	body := []byte(`{"id":"e1","type":"candidate.contact_accepted","occurredAt":"2026-11-20T09:15:00Z","companyId":"acme","data":{"positionId":"p1","candidate":{"id":"c1"}}}`)
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/events", bytes.NewReader(body))
	req.Header.Set(event.SignatureHeader, event.Sign("whsec-test", time.Now(), body))
	wresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var wbody bytes.Buffer
	_, _ = wbody.ReadFrom(wresp.Body)
	wresp.Body.Close()
	if wresp.StatusCode != 202 || !strings.Contains(wbody.String(), `"reason":"not_connected"`) {
		t.Errorf("signed event: got %d %s, want 202 skipped not_connected", wresp.StatusCode, wbody.String())
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("serve = %v", err)
	}
	for _, want := range []string{"listening on http://" + ln.Addr().String(), "leverlink-local-connections", "leverlink-local-export.fifo", "webhook"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner.String())
		}
	}
}

// TestRequestIDOnEveryAnswer: the stack's own 404 (no route) and 405 carry
// X-Request-Id, the caller's when it sent one, and the functions see it.
func TestRequestIDOnEveryAnswer(t *testing.T) {
	var seen string
	mux, err := newMux([]route{{Method: "GET", Path: "/healthz", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("X-Request-Id")
	})}})
	if err != nil {
		t.Fatal(err)
	}
	h := withRequestID(mux)
	for _, tt := range []struct {
		method, path, id string
		code             int
	}{
		{"GET", "/nope", "", 404},
		{"POST", "/healthz", "", 405},
		{"GET", "/healthz", "req-7", 200},
	} {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		if tt.id != "" {
			req.Header.Set("X-Request-Id", tt.id)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		id := rec.Header().Get("X-Request-Id")
		if rec.Code != tt.code || id == "" || (tt.id != "" && id != tt.id) {
			t.Errorf("%s %s = %d with X-Request-Id %q; want %d with one", tt.method, tt.path, rec.Code, id, tt.code)
		}
	}
	if seen != "req-7" {
		t.Errorf("the handler saw X-Request-Id %q, want the caller's", seen)
	}
}
