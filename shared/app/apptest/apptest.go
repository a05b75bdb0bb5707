// Package apptest builds a whole leverlink for tests: the real adapters on
// DynamoDB Local and fauxqs (fresh tables and queues per test, created from
// template.yaml), the fake Lever over real HTTP, and the app wired exactly as
// the functions wire it. Tests drive it through its HTTP handlers and the
// export queue, as Lambda would.
package apptest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/dynamo/dynamotest"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lambdainvoke"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/logging"
	"github.com/leverlink/leverlink/shared/s3store/s3test"
	"github.com/leverlink/leverlink/shared/secret"
	"github.com/leverlink/leverlink/shared/sqspoll"
	"github.com/leverlink/leverlink/shared/sqsqueue"
	"github.com/leverlink/leverlink/shared/sqsqueue/sqstest"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// Test credentials of the harness.
const (
	APIKey        = "test-api-key-0123456789"
	WebhookSecret = "test-webhook-secret"
	// VendorEventsSecret signs outbound events (WithVendorEvents).
	VendorEventsSecret = "test-vendor-events-secret"
	ReturnOrigin       = "https://vendor.example"
	ReturnURL          = ReturnOrigin + "/settings/ats"
	Marketplace        = "TalentMarket"
	PublicURL          = "https://leverlink.example"
	RedirectURL        = PublicURL + "/oauth/lever/callback"
)

// TokenKey is the harness's token-sealing key (base64 of 32 bytes).
var TokenKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{42}, 32))

// Env is one isolated leverlink.
type Env struct {
	T        testing.TB
	App      *app.App
	Fake     *leverfake.TestServer
	API      http.Handler
	Webhook  http.Handler
	Callback http.Handler
	Exports  *sqspoll.Poller
	// Refresh plays Lambda's asynchronous invocations of the refresher
	// (refresh requests): they run as they are made; Refresh.Wait waits
	// for those running (a failed one is retried after Lambda's delays,
	// then its record lands in RefreshDLQ).
	Refresh    *lambdainvoke.Local
	RefreshDLQ *sqsqueue.Queue
	DLQ        *sqsqueue.Queue
	Logs       *SafeBuffer // every log line the app wrote
	Secrets    secret.Static
	Tables     dynamo.Tables

	mu      sync.Mutex
	cookies map[string]*http.Cookie // the harness browser's flow cookies, by state
}

// Option adjusts the harness before the app is built.
type Option func(*settings)

type settings struct {
	fake  leverfake.Options
	stale time.Duration
	keys  string
	cfg   func(*config.Config)
	hc    *http.Client
}

// WithHTTPClient sets the HTTP client for Lever and resume downloads (a
// client trusting an httptest TLS server, say).
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.hc = hc } }

// WithFake sets the fake Lever's options.
func WithFake(o leverfake.Options) Option { return func(s *settings) { s.fake = o } }

// WithStaleAfter sets the export claim staleness (crash tests use a short one).
func WithStaleAfter(d time.Duration) Option { return func(s *settings) { s.stale = d } }

// WithAPIKeys sets the API keys secret (comma-separated).
func WithAPIKeys(keys string) Option { return func(s *settings) { s.keys = keys } }

// WithConfig edits the configuration.
func WithConfig(fn func(*config.Config)) Option { return func(s *settings) { s.cfg = fn } }

// New builds an Env; it skips or fails like dynamotest when the emulators
// are not running.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	s := settings{fake: leverfake.Options{NoRateLimit: true}, stale: 2 * time.Second, keys: APIKey}
	for _, o := range opts {
		o(&s)
	}
	def := stack(t)
	refresherDef, _ := def.Function("RefresherFunction")
	_, tables := dynamotest.New(t)
	_, urls := sqstest.New(t)
	_, buckets := s3test.New(t)
	s.fake.RedirectURIs = append(s.fake.RedirectURIs, RedirectURL) // WithFake may add the callback of a real local server
	fake := leverfake.Start(s.fake)
	t.Cleanup(fake.Close)

	cfg := config.Local(config.LocalStack{
		DynamoDBEndpoint: os.Getenv("DYNAMODB_ENDPOINT"), SQSEndpoint: os.Getenv("SQS_ENDPOINT"), S3Endpoint: os.Getenv("S3_ENDPOINT"),
		PayloadBucket: buckets["PayloadBucket"], ExportMaxReceives: def.MaxReceives("ExportQueue"), RefreshFunctionName: refresherDef.Name,
		ConnectionsTable: tables.Connections, LinksTable: tables.Links, ExportsTable: tables.Exports, EventsTable: tables.Events,
		OutboxTable: tables.Outbox, ExportQueueURL: urls["ExportQueue"],
		LeverClientID: leverfake.DefaultClientID, LeverBaseURL: fake.URL, PublicURL: PublicURL,
	}, func(c *config.Config) {
		// The fake has no rate limit here; Lever's own figures keep
		// leverlink's bucket out of the way. Short-lived event ids.
		c.MarketplaceName, c.AllowedReturnOrigins = Marketplace, []string{ReturnOrigin}
		c.LeverRateLimit, c.LeverBurst, c.EventTTL = 10, 20, time.Hour
	})
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	secrets := secret.Static{
		cfg.LeverClientSecretParam:  leverfake.DefaultClientSecret,
		cfg.APIKeysParam:            s.keys,
		cfg.WebhookSecretParam:      WebhookSecret,
		cfg.TokenKeyParam:           TokenKey,
		cfg.VendorEventsSecretParam: VendorEventsSecret,
	}
	logs := &SafeBuffer{}
	log := logging.New(logs, slog.LevelDebug)
	sqsClient, err := sqsqueue.NewClient(context.Background(), cfg.SQSEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	refreshDLQ := sqsqueue.New(sqsClient, urls[refresherDef.Async.OnFailure])
	// The refresher's asynchronous invocations as the template configures
	// them (retries, event age, timeout, on-failure destination), with
	// Lambda's retry delays.
	refresh := &lambdainvoke.Local{
		FunctionName: refresherDef.Name, Retries: refresherDef.Async.MaxRetries,
		MaxAge: time.Duration(refresherDef.Async.MaxEventAge) * time.Second, Timeout: time.Duration(refresherDef.Timeout) * time.Second,
		OnFailure: refreshDLQ, Log: log,
	}
	t.Cleanup(refresh.Close)
	a, err := app.New(context.Background(), cfg, app.Options{Secrets: secrets, Log: log, StaleAfter: s.stale, HTTPClient: s.hc, ResumeAllowLoopback: true, RefreshInvoker: refresh})
	if err != nil {
		t.Fatal(err)
	}
	refresh.Function = lambda.NewHandler(a.RefresherFunction())
	// Drain counts every batch item failure as a failure; a job handed back
	// for its company's budget is one too. Tests run jobs as they come
	// (calls wait on the bucket); tests of the hand-back set Queue back
	// (e.App.ExportJobs.Queue = e.App.ExportQueue).
	a.ExportJobs.Queue = nil
	e := &Env{
		T: t, App: a, Fake: fake, Logs: logs, Secrets: secrets,
		API:        a.APIHandler(),
		Webhook:    a.WebhookHandler(),
		Callback:   a.CallbackHandler(),
		Exports:    &sqspoll.Poller{Queue: a.ExportQueue, Handler: a.ExportJobs.HandleBatch, Wait: 0, Visibility: 2 * time.Second, Log: log},
		Refresh:    refresh,
		RefreshDLQ: refreshDLQ,
		DLQ:        sqsqueue.New(sqsClient, urls["ExportDLQ"]),
		Tables:     tables,
	}
	return e
}

// WithVendorEvents sets VendorEventsUrl: outbound events are posted there,
// signed with VendorEventsSecret.
func WithVendorEvents(url string) Option {
	return func(s *settings) {
		prev := s.cfg
		s.cfg = func(c *config.Config) {
			if prev != nil {
				prev(c)
			}
			c.VendorEventsURL = url
		}
	}
}

// StartDispatcher plays the dispatcher's DynamoDB Streams triggers until
// the test ends: one poller per table stream of the template, handing each
// batch to the dispatcher function through Lambda's JSON boundary.
func (e *Env) StartDispatcher() {
	e.T.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	e.T.Cleanup(func() { cancel(); wg.Wait() })
	db, err := dynamo.NewClient(ctx, e.App.Config.DynamoDBEndpoint)
	if err != nil {
		e.T.Fatal(err)
	}
	streams, err := dynamo.NewStreamsClient(ctx, e.App.Config.DynamoDBEndpoint)
	if err != nil {
		e.T.Fatal(err)
	}
	path, err := stackdef.FindTemplateFromWD()
	if err != nil {
		e.T.Fatal(err)
	}
	st, err := stackdef.Load(path, "test")
	if err != nil {
		e.T.Fatal(err)
	}
	h := lambda.NewHandler(e.App.DispatcherFunction())
	names := map[string]string{"ConnectionsTable": e.Tables.Connections, "LinksTable": e.Tables.Links, "ExportsTable": e.Tables.Exports}
	for _, t := range st.Tables {
		if t.StreamView == "" || names[t.LogicalID] == "" {
			continue
		}
		p := &dynamo.StreamPoller{DB: db, Streams: streams, Table: names[t.LogicalID], Wait: 100 * time.Millisecond, Log: e.App.Log, Function: h}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Run(ctx); err != nil {
				e.T.Errorf("stream of %s: %v", p.Table, err)
			}
		}()
	}
}

// Sweep runs the dispatcher's retry schedule once.
func (e *Env) Sweep() {
	e.T.Helper()
	if _, err := e.App.DispatcherFunction()(context.Background(), json.RawMessage(`{"source":"test.schedule"}`)); err != nil {
		e.T.Fatalf("dispatcher sweep: %v", err)
	}
}

// Do sends an API request with the harness key and decodes a JSON answer
// into out (when non-nil); it returns the status.
func (e *Env) Do(method, path string, body any, out any) int {
	return e.DoKey(APIKey, method, path, body, out)
}

// DoKey is Do with a given bearer key ("" for none).
func (e *Env) DoKey(key, method, path string, body any, out any) int {
	e.T.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req := httptest.NewRequest(method, path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	e.API.ServeHTTP(rec, req)
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			e.T.Fatalf("%s %s: decode %q: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec.Code
}

// Connect runs the whole OAuth round trip for companyID against the fake
// (authorize URL → consent → callback) and returns the callback's redirect.
func (e *Env) Connect(companyID string, body map[string]any) *url.URL {
	e.T.Helper()
	if body == nil {
		body = map[string]any{"returnUrl": ReturnURL, "environment": "production"}
	}
	var got struct {
		AuthorizeURL string `json:"authorizeUrl"`
	}
	if code := e.Do("POST", "/v1/companies/"+companyID+"/connection/authorize", body, &got); code != 200 {
		e.T.Fatalf("authorize: status %d", code)
	}
	return e.FollowConsent(got.AuthorizeURL)
}

// FollowConsent visits authorizeURL at the fake (which consents or denies)
// and delivers its redirect to the callback; it returns where the callback
// sends the browser (nil when it shows an error page).
func (e *Env) FollowConsent(authorizeURL string) *url.URL {
	e.T.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(e.StartFlow(authorizeURL))
	if err != nil {
		e.T.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		e.T.Fatalf("fake authorize: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return e.CallbackQuery(loc.RawQuery)
}

// StartFlow opens a start link (the authorizeUrl the API returns) in the
// harness browser, as an admin's browser would: the oauth function sets the
// flow cookie, which later callbacks of that state carry (CallbackQuery),
// and redirects to Lever; StartFlow returns that Lever authorize URL. A URL
// that is not a start link is returned as is.
func (e *Env) StartFlow(startURL string) string {
	e.T.Helper()
	u, err := url.Parse(startURL)
	if err != nil || !strings.HasSuffix(u.Path, httpapi.StartPath) {
		return startURL
	}
	rec := httptest.NewRecorder()
	e.Callback.ServeHTTP(rec, httptest.NewRequest("GET", u.RequestURI(), nil))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusFound || err != nil {
		e.T.Fatalf("start link: got %d %s", rec.Code, rec.Body.String())
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == connection.FlowCookie {
			e.mu.Lock()
			if e.cookies == nil {
				e.cookies = map[string]*http.Cookie{}
			}
			e.cookies[loc.Query().Get("state")] = &http.Cookie{Name: c.Name, Value: c.Value}
			e.mu.Unlock()
		}
	}
	return loc.String()
}

// AddFlowCookie adds to a callback request the flow cookie the harness
// browser holds for the request's state, if any.
func (e *Env) AddFlowCookie(req *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.cookies[req.URL.Query().Get("state")]; c != nil {
		req.AddCookie(c)
	}
}

// CallbackQuery calls the OAuth callback with a raw query, carrying the
// harness browser's flow cookie for its state (StartFlow), waits for the
// refresh request it made to run, and returns the redirect (nil for an
// error page).
func (e *Env) CallbackQuery(rawQuery string) *url.URL {
	e.T.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/oauth/lever/callback?"+rawQuery, nil)
	e.AddFlowCookie(req)
	e.Callback.ServeHTTP(rec, req)
	// The first postings refresh the callback requested has run (Lambda
	// starts it within moments; here it is done before the test goes on,
	// and counted for the next Refresh.Wait).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := e.Refresh.Idle(ctx); err != nil {
		e.T.Fatalf("the refresh requested by the callback did not finish: %v", err)
	}
	if rec.Code != http.StatusFound {
		return nil
	}
	u, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		e.T.Fatal(err)
	}
	return u
}

// Send signs and posts an event to the webhook; it returns the status and
// the decoded answer.
func (e *Env) Send(ev map[string]any) (int, map[string]any) {
	e.T.Helper()
	body, _ := json.Marshal(ev)
	return e.SendRaw(body, event.Sign(WebhookSecret, time.Now(), body))
}

// SendRaw posts a raw body with a given signature header.
func (e *Env) SendRaw(body []byte, signature string) (int, map[string]any) {
	e.T.Helper()
	req := httptest.NewRequest("POST", "/v1/events", bytes.NewReader(body))
	if signature != "" {
		req.Header.Set(event.SignatureHeader, signature)
	}
	rec := httptest.NewRecorder()
	e.Webhook.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// Drain runs the export poller until the queue has been empty for a few
// polls (or the deadline), like the Lambda event source mapping; it returns
// how many messages failed along the way.
func (e *Env) Drain(deadline time.Duration) int {
	e.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	failed, idle := 0, 0
	for idle < 3 && ctx.Err() == nil {
		n, f, err := e.Exports.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			e.T.Fatalf("drain: %v", err)
		}
		failed += f
		if n == 0 {
			depth, _ := e.App.ExportQueue.Depth(ctx)
			if depth == 0 {
				idle++
			}
			time.Sleep(50 * time.Millisecond)
		} else {
			idle = 0
		}
	}
	return failed
}

// SafeBuffer is a bytes.Buffer safe for concurrent writers.
type SafeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *SafeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written.
func (s *SafeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// stack is template.yaml's definition.
func stack(t testing.TB) stackdef.Stack {
	t.Helper()
	path, err := stackdef.FindTemplateFromWD()
	if err != nil {
		t.Fatal(err)
	}
	st, err := stackdef.Load(path, "test")
	if err != nil {
		t.Fatal(err)
	}
	return st
}
