package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lambdainvoke"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/outbox"
	"github.com/leverlink/leverlink/shared/secret"
	"github.com/leverlink/leverlink/shared/setup"
	"github.com/leverlink/leverlink/shared/sqspoll"
	"github.com/leverlink/leverlink/shared/sqsqueue"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// localInfo is what the banner prints about the functions' set-up.
type localInfo struct {
	APIKey        string
	WebhookSecret string
	FakeLever     string // fake Lever base URL, "" when the real sandbox is used
	FakeAccount   string
	Callback      string
	SetupURL      string // a hosted setup page session for the demo company ("" when not wired)

	VendorEvents       string // VENDOR_EVENTS_URL, "" - printed locally
	VendorEventsSecret string
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func envOr(k, def string) string {
	if v := strings.TrimSpace(os.Getenv(k)); v != "" {
		return v
	}
	return def
}

// demoCompany and demoPositions make the setup page `make run` prints.
const demoCompany = "demo-company"

var demoPositions = []setup.Position{
	{ID: "pos-backend", Title: "Senior Backend Engineer", Location: "Berlin"},
	{ID: "pos-frontend", Title: "Frontend Engineer", Location: "Remote"},
	{ID: "pos-data", Title: "Data Analyst", Location: "Paris"},
}

// functionMounts builds the five functions with the same constructors as
// their Lambda mains (shared/app's per-function handlers), invoked the way Lambda invokes them: HTTP
// requests become API Gateway HTTP API v2 events through the JSON boundary,
// the export queue is polled like the SQS event source mapping, refresh
// requests are asynchronous invocations run in process, and the schedule is
// a timer. Lever is the fake on its own port, or the real Lever sandbox when
// LEVER_CLIENT_ID and LEVER_CLIENT_SECRET are set.
func functionMounts(ctx context.Context, st *stack, s settings, log *slog.Logger) (mounts, localInfo, error) {
	info := localInfo{
		APIKey:        envOr("LEVERLINK_API_KEY", "local-"+randomHex(12)),
		WebhookSecret: envOr("LEVERLINK_WEBHOOK_SECRET", "whsec-"+randomHex(16)),
		Callback:      "http://" + s.Addr + "/oauth/lever/callback",
	}
	_, port, _ := net.SplitHostPort(s.Addr)
	refresherDef, _ := st.Def.Function("RefresherFunction")
	stackCfg := config.LocalStack{
		DynamoDBEndpoint: s.DynamoDBEndpoint, SQSEndpoint: s.SQSEndpoint, S3Endpoint: s.S3Endpoint,
		PayloadBucket: st.Buckets["PayloadBucket"], ExportMaxReceives: st.Def.MaxReceives("ExportQueue"),
		ConnectionsTable: st.Tables.Connections, LinksTable: st.Tables.Links, ExportsTable: st.Tables.Exports, EventsTable: st.Tables.Events,
		OutboxTable: st.Tables.Outbox, ExportQueueURL: st.Queues["ExportQueue"], RefreshFunctionName: refresherDef.Name,
		LeverClientID: leverfake.DefaultClientID, PublicURL: "http://" + s.Addr,
	}
	var m mounts
	clientSecret := leverfake.DefaultClientSecret
	if id, sec := os.Getenv("LEVER_CLIENT_ID"), os.Getenv("LEVER_CLIENT_SECRET"); id != "" && sec != "" {
		stackCfg.LeverClientID, clientSecret = id, sec
		log.Info("using the real Lever (LEVER_CLIENT_ID is set); connect with environment sandbox")
	} else {
		fake := leverfake.New(leverfake.Options{RedirectURIs: []string{info.Callback}})
		acct := leverfake.SeedDemo(fake)
		fake.SetConsentAccount(acct.ID)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", envOr("LEVERFAKE_PORT", "8765")))
		if err != nil {
			return m, info, fmt.Errorf("fake Lever: listen (set LEVERFAKE_PORT to use another port): %w", err)
		}
		info.FakeLever, info.FakeAccount = "http://"+ln.Addr().String(), acct.ID
		stackCfg.LeverBaseURL = info.FakeLever
		srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
		m.Workers = append(m.Workers, worker{Name: "fake-lever", Run: func(ctx context.Context) error {
			go func() { <-ctx.Done(); _ = srv.Close() }()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}})
		// LEVERFAKE_REGION_PORT: the fake also listens there as a second
		// Lever data center (an account homed there with PUT
		// /_admin/accounts/{id}/home answers 307 to it); the clients may
		// follow redirects to it like to a lever.co host.
		if rp := os.Getenv("LEVERFAKE_REGION_PORT"); rp != "" {
			rln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", rp))
			if err != nil {
				return m, info, fmt.Errorf("fake Lever region: listen on LEVERFAKE_REGION_PORT: %w", err)
			}
			stackCfg.LeverRedirectHosts = []string{rln.Addr().String()}
			rsrv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
			m.Workers = append(m.Workers, worker{Name: "fake-lever-region", Run: func(ctx context.Context) error {
				go func() { <-ctx.Done(); _ = rsrv.Close() }()
				if err := rsrv.Serve(rln); !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			}})
			log.Info("fake Lever region listening", "addr", rln.Addr().String())
		}
	}
	cfg := config.Local(stackCfg, func(c *config.Config) {
		c.MarketplaceName = envOr("MARKETPLACE_NAME", "leverlink-demo")
		c.AllowedReturnOrigins = append([]string{"http://127.0.0.1:" + port, "http://localhost:" + port},
			strings.Split(envOr("ALLOWED_RETURN_ORIGINS", "https://vendor.example"), ",")...)
		c.VendorEventsURL = strings.TrimRight(os.Getenv("VENDOR_EVENTS_URL"), "/")
		// The fake Lever delivers its webhooks here (plain http to a
		// loopback host is a fake-only allowance).
		c.LeverWebhookURL = "http://" + s.Addr + "/v1/lever-webhooks"
		c.ResumeAllowedHosts = strings.FieldsFunc(os.Getenv("RESUME_ALLOWED_HOSTS"), func(r rune) bool { return r == ',' || r == ' ' })
	})
	info.VendorEvents = cfg.VendorEventsURL
	info.VendorEventsSecret = envOr("LEVERLINK_VENDOR_EVENTS_SECRET", "whsec-"+randomHex(16))
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	secrets := secret.Static{
		cfg.LeverClientSecretParam: clientSecret, cfg.APIKeysParam: info.APIKey,
		cfg.WebhookSecretParam: info.WebhookSecret, cfg.TokenKeyParam: base64.StdEncoding.EncodeToString(key),
		cfg.VendorEventsSecretParam: info.VendorEventsSecret,
	}
	refresh, err := refreshInvoker(ctx, st, s, refresherDef, log)
	if err != nil {
		return m, info, err
	}
	// Without VENDOR_EVENTS_URL the local receiver prints each outbound
	// event the dispatcher would send.
	a, err := app.New(ctx, cfg, app.Options{Secrets: secrets, Log: log, EventSender: &outbox.Printer{W: os.Stdout}, RefreshInvoker: refresh})
	if err != nil {
		return m, info, err
	}
	refresher := lambda.NewHandler(a.RefresherFunction())
	refresh.Function = refresher
	if a.Setup != nil {
		sess, err := a.Setup.NewSession(ctx, demoCompany, setup.NewSessionInput{
			ReturnURL: "http://" + s.Addr + "/healthz", Positions: demoPositions,
		})
		if err != nil {
			return m, info, fmt.Errorf("setup session for %s: %w", demoCompany, err)
		}
		info.SetupURL = sess.URL
	}
	m.Handlers = map[string]http.Handler{
		"api":     asLambdaHTTP(a.APIFunction()),
		"webhook": asLambdaHTTP(a.WebhookFunction()),
		"oauth":   asLambdaHTTP(a.OAuthFunction()),
	}
	export, _ := st.Def.Queue("ExportQueue")
	exporter := lambda.NewHandler(a.ExporterFunction())
	// One pool for the export queue sized like the template's mapping
	// (BatchSize, MaximumConcurrency), shared by every company as in AWS.
	// The refresher has no queue: its schedule fans out refresh requests,
	// asynchronous invocations that refresh runs in process.
	exportMap, _ := st.Def.Mapping("ExportQueue")
	m.Workers = append(m.Workers,
		worker{Name: "exporter", Run: poll(a.ExportQueue, exporter, exportMap, time.Duration(export.VisibilityTimeout)*time.Second, log)},
		worker{Name: "refresher-schedule", Run: schedule(refresher, scheduleEvery(st), log)},
		worker{Name: "refresher", Run: func(ctx context.Context) error { <-ctx.Done(); refresh.Close(); return nil }},
	)
	m.Workers = append(m.Workers, dispatcherWorkers(ctx, st, s, a, log)...)
	return m, info, nil
}

// refreshInvoker plays Lambda's asynchronous invocations of the refresher
// as the template configures them (EventInvokeConfig: retries with
// Lambda's delays, event age, the function's timeout), sending the record
// of a request that fails for good to the local copy of its on-failure
// destination queue. Its Function is set once the app is built.
func refreshInvoker(ctx context.Context, st *stack, s settings, def stackdef.Function, log *slog.Logger) (*lambdainvoke.Local, error) {
	sq, err := sqsqueue.NewClient(ctx, s.SQSEndpoint)
	if err != nil {
		return nil, err
	}
	l := &lambdainvoke.Local{
		FunctionName: def.Name, Retries: def.Async.MaxRetries, MaxAge: time.Duration(def.Async.MaxEventAge) * time.Second,
		Timeout: time.Duration(def.Timeout) * time.Second, Log: log,
	}
	if url := st.Queues[def.Async.OnFailure]; url != "" {
		l.OnFailure = sqsqueue.New(sq, url)
	}
	return l, nil
}

// dispatcherWorkers play the dispatcher's triggers: one poller per table
// stream of the template (like Lambda's DynamoDB Streams event source
// mapping, through the JSON boundary) and its retry schedule.
func dispatcherWorkers(ctx context.Context, st *stack, s settings, a *app.App, log *slog.Logger) []worker {
	dispatcher := lambda.NewHandler(a.DispatcherFunction())
	streams, err := dynamo.NewStreamsClient(ctx, s.DynamoDBEndpoint)
	if err != nil {
		log.Error("outbound events off: streams client", "err", err)
		return nil
	}
	var ws []worker
	for _, t := range st.Def.Tables {
		if t.StreamView == "" {
			continue
		}
		p := &dynamo.StreamPoller{DB: st.DDB, Streams: streams, Table: t.Name, Log: log, Function: dispatcher}
		ws = append(ws, worker{Name: "dispatcher-" + t.LogicalID, Run: p.Run})
	}
	every := time.Minute
	if d, err := time.ParseDuration(os.Getenv("LEVERLINK_EVENT_RETRY_EVERY")); err == nil && d > 0 {
		every = d
	}
	return append(ws, worker{Name: "dispatcher", Run: schedule(dispatcher, every, log)}) // the retry schedule
}

// scheduleEvery reads the refresher's rate(N minutes) schedule from the
// template; LEVERLINK_REFRESH_EVERY (a Go duration) overrides it locally.
func scheduleEvery(st *stack) time.Duration {
	if d, err := time.ParseDuration(os.Getenv("LEVERLINK_REFRESH_EVERY")); err == nil && d > 0 {
		return d
	}
	expr := st.Def.Parameters["RefreshSchedule"]
	var n int
	var unit string
	if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimPrefix(expr, "rate("), ")"), "%d %s", &n, &unit); err == nil && n > 0 {
		switch strings.TrimSuffix(unit, "s") {
		case "minute":
			return time.Duration(n) * time.Minute
		case "hour":
			return time.Duration(n) * time.Hour
		case "day":
			return time.Duration(n) * 24 * time.Hour
		}
	}
	return 15 * time.Minute
}

// poll feeds a queue to a Lambda handler like the SQS event source
// mapping m: its batch size and MaximumConcurrency, the queue's visibility
// timeout, partial batch failures (failed messages reappear; the redrive
// policy moves them to the DLQ), one message per FIFO group per receive
// (fauxqs).
func poll(q *sqsqueue.Queue, h lambda.Handler, m stackdef.Mapping, visibility time.Duration, log *slog.Logger) func(context.Context) error {
	p := &sqspoll.Poller{Queue: q, Batch: m.BatchSize, Concurrency: m.MaxConcurrency, Visibility: visibility, Wait: 2 * time.Second, Log: log,
		Handler: func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			var resp events.SQSEventResponse
			payload, err := json.Marshal(ev)
			if err != nil {
				return resp, err
			}
			out, err := h.Invoke(ctx, payload)
			if err != nil {
				return resp, err
			}
			return resp, json.Unmarshal(out, &resp)
		}}
	return func(ctx context.Context) error { p.Run(ctx); return nil }
}

// schedule invokes h with an EventBridge Scheduler-like event every period.
func schedule(h lambda.Handler, every time.Duration, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if _, err := h.Invoke(ctx, []byte(`{"source":"leverlink.local.schedule"}`)); err != nil {
					log.Warn("scheduled refresh fan-out failed", "error", err.Error())
				}
			}
		}
	}
}

// asLambdaHTTP serves HTTP by turning each request into an API Gateway HTTP
// API (payload 2.0) event, invoking fn through Lambda's JSON boundary, and
// writing the response it returns.
func asLambdaHTTP(fn func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) http.Handler {
	h := lambda.NewHandler(fn)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := toV2Event(r)
		if err != nil {
			if apperr.As(err) == nil {
				err = apperr.Wrap(apperr.Invalid, err, "cannot read the body")
			}
			httpapi.WriteError(w, r, discard, err)
			return
		}
		payload, _ := json.Marshal(ev)
		out, err := h.Invoke(r.Context(), payload)
		if err != nil {
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
		writeV2Response(w, resp)
	})
}

// maxPayload is API Gateway's 10 MB request limit.
const maxPayload = 10 << 20

func toV2Event(r *http.Request) (events.APIGatewayV2HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	if len(body) > maxPayload {
		return events.APIGatewayV2HTTPRequest{}, errPayloadTooLarge
	}
	headers := map[string]string{}
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	now := time.Now()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Headers: headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: r.Host, Stage: "$default", RequestID: randomHex(8),
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: hostOnly(r.RemoteAddr), UserAgent: r.UserAgent(),
			},
		},
	}
	for _, c := range r.Cookies() {
		ev.Cookies = append(ev.Cookies, c.String())
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return ev, nil
}

func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func writeV2Response(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		w.Header().Del(k)
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.Copy(w, bytes.NewReader(body))
}
