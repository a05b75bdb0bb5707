// Package harness builds a whole leverlink in one process for the
// benchmark (infra/bench) and fault (infra/chaos) commands: fresh tables and
// queues created from template.yaml on DynamoDB Local and fauxqs (a unique
// prefix per Env), optional counting proxies in front of both emulators,
// the fake Lever over real HTTP, and the app wired as the functions wire it.
// It mirrors shared/app/apptest, which is test-only.
package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/leverlink/leverlink/shared/app"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lambdainvoke"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/s3store"
	"github.com/leverlink/leverlink/shared/secret"
	"github.com/leverlink/leverlink/shared/sqspoll"
	"github.com/leverlink/leverlink/shared/sqsqueue"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// Credentials of the harness.
const (
	WebhookSecret = "bench-webhook-secret"
	Marketplace   = "TalentMarket"
	PublicURL     = "https://leverlink.example"
	RedirectURL   = PublicURL + "/oauth/lever/callback"
	Stage         = "bench"
	// VendorEventsSecret signs outbound events when Options.VendorEventsURL
	// is set.
	VendorEventsSecret = "bench-vendor-events-secret"
)

// Options configure an Env.
type Options struct {
	Fake       leverfake.Options
	Latency    time.Duration // fixed fake Lever latency
	Jitter     time.Duration // plus uniform [0, Jitter)
	RateLimit  float64       // leverlink's per-company bucket (LEVER_RATE_LIMIT)
	Burst      int           // LEVER_BURST
	HTTPClient *http.Client  // Lever client (nil: the app's default)
	StaleAfter time.Duration
	Count      bool // put counting proxies in front of the emulators
	Log        *slog.Logger
	// VendorEventsURL is the stack's VendorEventsUrl: outbound events are
	// posted there, signed with VendorEventsSecret ("": the feed alone).
	VendorEventsURL string
	// LeverWebhooks serves the webhook function over real HTTP (Env.HookURL)
	// and points LEVER_WEBHOOK_URL at its /v1/lever-webhooks route, so that
	// Lever sync-back registers webhooks the fake Lever delivers to.
	LeverWebhooks bool
}

// Env is one isolated leverlink.
type Env struct {
	App     *app.App
	Config  config.Config
	Fake    *leverfake.TestServer
	Webhook http.Handler
	DLQ     *sqsqueue.Queue
	// Refresh plays Lambda's asynchronous invocations of the refresher
	// (refresh requests) in process, configured as the template's
	// EventInvokeConfig with 5 s retry delays; its Function is the app's
	// refresher handler unless a benchmark swaps it before a pass.
	Refresh *lambdainvoke.Local
	DDB     *Counter // nil unless Options.Count
	SQS     *Counter // nil unless Options.Count
	Lever   *LeverCounter
	Tables  dynamo.Tables
	Queues  map[string]string
	// HookURL is the webhook function's base URL over real HTTP when
	// Options.LeverWebhooks ("" otherwise).
	HookURL string

	ddbClient *dynamodb.Client
	sqsClient *sqs.Client
	stack     stackdef.Stack
	prefix    string
	closers   []func()
}

// ModuleRoot finds the directory holding go.mod from the working directory.
func ModuleRoot() (string, error) {
	path, err := stackdef.FindTemplateFromWD()
	if err != nil {
		return "", err
	}
	return filepath.Dir(path), nil
}

// RandomHex returns n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// New builds an Env against the emulators named by DYNAMODB_ENDPOINT and
// SQS_ENDPOINT.
func New(ctx context.Context, o Options) (*Env, error) {
	ddbEndpoint, sqsEndpoint := os.Getenv("DYNAMODB_ENDPOINT"), os.Getenv("SQS_ENDPOINT")
	if ddbEndpoint == "" || sqsEndpoint == "" {
		return nil, errors.New("DYNAMODB_ENDPOINT and SQS_ENDPOINT must be set: run under infra/emulators/with-emulators.sh (make bench / make chaos)")
	}
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	st, err := stackdef.Load(filepath.Join(root, "template.yaml"), Stage)
	if err != nil {
		return nil, err
	}
	e := &Env{stack: st, prefix: "b" + RandomHex(5) + "-", Lever: NewLeverCounter()}
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()
	if e.ddbClient, err = dynamo.NewClient(ctx, ddbEndpoint); err != nil {
		return nil, err
	}
	if e.sqsClient, err = sqsqueue.NewClient(ctx, sqsEndpoint); err != nil {
		return nil, err
	}
	if e.Tables, err = dynamo.CreateTables(ctx, e.ddbClient, st.Tables, e.prefix); err != nil {
		return nil, fmt.Errorf("create tables: %w", err)
	}
	e.closers = append(e.closers, e.deleteTables)
	if e.Queues, err = sqsqueue.CreateQueues(ctx, e.sqsClient, st.Queues, e.prefix); err != nil {
		return nil, fmt.Errorf("create queues: %w", err)
	}
	e.closers = append(e.closers, e.deleteQueues)
	s3Endpoint := os.Getenv("S3_ENDPOINT")
	if s3Endpoint == "" {
		s3Endpoint = sqsEndpoint // fauxqs serves both
	}
	s3c, err := s3store.NewClient(ctx, s3Endpoint)
	if err != nil {
		return nil, err
	}
	buckets, err := s3store.CreateBuckets(ctx, s3c, st.Buckets, e.prefix)
	if err != nil {
		return nil, fmt.Errorf("create buckets: %w", err)
	}

	appDDB, appSQS := ddbEndpoint, sqsEndpoint
	if o.Count {
		if e.DDB, err = NewCounter(ddbEndpoint); err != nil {
			return nil, err
		}
		e.closers = append(e.closers, e.DDB.Close)
		if e.SQS, err = NewCounter(sqsEndpoint); err != nil {
			return nil, err
		}
		e.closers = append(e.closers, e.SQS.Close)
		appDDB, appSQS = e.DDB.URL(), e.SQS.URL()
	}

	o.Fake.RedirectURIs = []string{RedirectURL}
	e.Fake = leverfake.Start(o.Fake)
	e.closers = append(e.closers, func() { e.Fake.CloseClientConnections(); e.Fake.Close() })
	e.Fake.SetLatency(o.Latency, o.Jitter)

	var hook atomic.Pointer[http.Handler]
	if o.LeverWebhooks {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := hook.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			http.Error(w, "starting", http.StatusServiceUnavailable)
		}))
		e.closers = append(e.closers, srv.Close)
		e.HookURL = srv.URL
	}

	refresher, _ := st.Function("RefresherFunction")
	cfg := config.Local(config.LocalStack{
		DynamoDBEndpoint: appDDB, SQSEndpoint: appSQS, S3Endpoint: s3Endpoint, PayloadBucket: buckets["PayloadBucket"],
		ExportMaxReceives: st.MaxReceives("ExportQueue"),
		ConnectionsTable:  e.Tables.Connections, LinksTable: e.Tables.Links, ExportsTable: e.Tables.Exports, EventsTable: e.Tables.Events,
		OutboxTable:    e.Tables.Outbox,
		ExportQueueURL: e.Queues["ExportQueue"], RefreshFunctionName: refresher.Name,
		LeverClientID: leverfake.DefaultClientID, LeverBaseURL: e.Fake.URL, PublicURL: PublicURL,
	}, func(c *config.Config) {
		c.MarketplaceName, c.EventTTL = Marketplace, time.Hour
		if o.RateLimit > 0 { // else LEVER_RATE_LIMIT's and LEVER_BURST's defaults
			c.LeverRateLimit, c.LeverBurst = o.RateLimit, o.Burst
		}
		c.VendorEventsURL = o.VendorEventsURL
		if e.HookURL != "" {
			c.LeverWebhookURL = e.HookURL + "/v1/lever-webhooks"
		}
	})
	e.Config = cfg
	secrets := secret.Static{
		cfg.LeverClientSecretParam:  leverfake.DefaultClientSecret,
		cfg.APIKeysParam:            APIKey,
		cfg.WebhookSecretParam:      WebhookSecret,
		cfg.TokenKeyParam:           base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
		cfg.VendorEventsSecretParam: VendorEventsSecret,
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e.Refresh = &lambdainvoke.Local{
		FunctionName: refresher.Name, Retries: refresher.Async.MaxRetries, RetryDelays: []time.Duration{5 * time.Second},
		MaxAge: time.Duration(refresher.Async.MaxEventAge) * time.Second, Timeout: time.Duration(refresher.Timeout) * time.Second,
		OnFailure: sqsqueue.New(e.sqsClient, e.Queues[refresher.Async.OnFailure]), Log: log,
	}
	e.closers = append(e.closers, e.Refresh.Close)
	a, err := app.New(ctx, cfg, app.Options{Secrets: secrets, Log: log, HTTPClient: o.HTTPClient, OnLeverCall: e.Lever.Observe, StaleAfter: o.StaleAfter, RefreshInvoker: e.Refresh})
	if err != nil {
		return nil, err
	}
	e.Refresh.Function = lambda.NewHandler(a.RefresherFunction())
	e.App = a
	e.Webhook = a.WebhookHandler()
	hook.Store(&e.Webhook)
	e.DLQ = sqsqueue.New(e.sqsClient, e.Queues["ExportDLQ"])
	ok = true
	return e, nil
}

// Close stops the servers and deletes the tables and queues.
func (e *Env) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}

func (e *Env) deleteTables() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, t := range e.stack.Tables {
		_, _ = e.ddbClient.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(e.prefix + t.Name)})
	}
}

func (e *Env) deleteQueues() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, u := range e.Queues {
		_, _ = e.sqsClient.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
	}
}

// Company is one connected company with its fake Lever account.
type Company struct {
	ID       string
	Account  *leverfake.Account
	Postings []leverfake.Posting
}

// Connect creates a fake Lever account with n postings for companyID and
// stores a connected connection for it without the OAuth dance: tokens from
// the fake, sealed with the app's sealer. When link is true, position
// "pos-1" is linked to the first posting (trigger contact_accepted).
func (e *Env) Connect(ctx context.Context, companyID string, postings int, linkFirst bool) (Company, error) {
	acct := e.Fake.NewAccount("Company " + companyID)
	c := Company{ID: companyID, Account: acct}
	if postings > 0 {
		c.Postings = acct.AddPostings(postings, leverfake.Posting{Text: "Engineer", State: "published"})
	}
	tok := acct.Authorize()
	sa, err := e.App.Vault.Sealer.Seal(companyID, tok.AccessToken)
	if err != nil {
		return c, err
	}
	sr, err := e.App.Vault.Sealer.Seal(companyID, tok.RefreshToken)
	if err != nil {
		return c, err
	}
	admin := acct.AdminID()
	now := time.Now().UTC()
	if _, err := e.App.Connections.Update(ctx, companyID, func(cn *connection.Connection) error {
		cn.Status, cn.Environment, cn.LeverAccountID = connection.Connected, connection.Production, acct.ID
		cn.PerformAsID, cn.SealedAccess, cn.SealedRefresh = admin, sa, sr
		cn.AccessExpiry, cn.Scopes, cn.ConnectedAt, cn.UpdatedAt = tok.Expiry, tok.Scope, now, now
		return nil
	}); err != nil {
		return c, fmt.Errorf("store connection %s: %w", companyID, err)
	}
	if linkFirst && len(c.Postings) > 0 {
		if _, err := e.App.Links.Put(ctx, link.Link{CompanyID: companyID, PositionID: "pos-1", PostingID: c.Postings[0].ID, Trigger: link.ContactAccepted}); err != nil {
			return c, fmt.Errorf("link %s: %w", companyID, err)
		}
	}
	return c, nil
}

// Send signs ev and calls the webhook handler in-process; it returns the
// status code and the answer's status field.
func (e *Env) Send(ev any) (int, string, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return 0, "", err
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/events", bytes.NewReader(body))
	req.Header.Set(event.SignatureHeader, event.Sign(WebhookSecret, time.Now(), body))
	rec := httptest.NewRecorder()
	e.Webhook.ServeHTTP(rec, req)
	var out struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out.Status, nil
}

// SendUntilAccepted retries Send on 5xx (the vendor's webhook retry).
func (e *Env) SendUntilAccepted(ev any, attempts int) (int, string, error) {
	var (
		code   int
		status string
		err    error
	)
	for i := 0; i < attempts; i++ {
		code, status, err = e.Send(ev)
		if err != nil || code < 500 {
			return code, status, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return code, status, err
}

// ExportPoller returns a poller of the export queue, like the exporter's
// event source mapping: batches of 10, a per-batch deadline (the Lambda
// timeout) and the given visibility timeout (0: the queue's).
func (e *Env) ExportPoller(visibility, timeout time.Duration) *sqspoll.Poller {
	return &sqspoll.Poller{Queue: e.App.ExportQueue, Handler: WithTimeout(e.App.ExportJobs.HandleBatch, timeout), Batch: 10, Visibility: visibility, Wait: time.Second, Log: e.App.Log}
}

// WithTimeout bounds each batch like a Lambda timeout (0: unbounded).
func WithTimeout(h sqspoll.BatchHandler, d time.Duration) sqspoll.BatchHandler {
	if d <= 0 {
		return h
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return h(ctx, ev)
	}
}

// QueueDepth returns visible + in-flight messages of a queue URL.
func (e *Env) QueueDepth(ctx context.Context, url string) (int, error) {
	return sqsqueue.New(e.sqsClient, url).Depth(ctx)
}
