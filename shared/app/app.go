// Package app is the composition root shared by the five functions, the
// local stack, the tests and the benchmarks: it turns a config.Config and a
// secret source into wired services (New) and each function's Lambda
// handler (NewAPI, NewWebhook, NewOAuth, NewExporter, NewRefresher), so that
// functions/<name>/main.go only wires and the local stack calls the very
// same constructors. It composes only: the handlers live in
// shared/lambdahandler, the Lever clients in shared/leverclient, the resume
// downloader in shared/resume, the refresh request in shared/posting.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/health"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lambdahandler"
	"github.com/leverlink/leverlink/shared/lambdainvoke"
	"github.com/leverlink/leverlink/shared/leverclient"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/outbox"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/resume"
	"github.com/leverlink/leverlink/shared/s3store"
	"github.com/leverlink/leverlink/shared/secret"
	"github.com/leverlink/leverlink/shared/settings"
	"github.com/leverlink/leverlink/shared/setup"
	"github.com/leverlink/leverlink/shared/sqsqueue"
	"github.com/leverlink/leverlink/shared/throttle"
)

// Options are what the environment does not say.
type Options struct {
	Secrets    secret.Source // SSM in AWS; secret.Static locally
	Log        *slog.Logger
	HTTPClient *http.Client // for Lever; a 30s-timeout client when nil
	// OnLeverCall, when set, observes every Lever HTTP attempt (benchmarks).
	OnLeverCall func(endpoint string, status int, dur time.Duration)
	Now         func() time.Time
	StaleAfter  time.Duration // export claim staleness (default 2m)
	// EventSender receives outbound events when no VendorEventsUrl is set
	// (the local stack's printer); nil keeps the feed alone.
	EventSender outbox.Sender
	// ResumeAllowLoopback lets resume downloads reach 127.0.0.1 (tests'
	// servers). Only Go code sets it: no configuration can, so a deployed
	// stack always refuses loopback, private and link-local addresses.
	ResumeAllowLoopback bool
	// RefreshInvoker hands refresh requests to the refresher function when
	// there is no AWS Lambda (the local stack's and the tests'
	// lambdainvoke.Local); nil: AWS Lambda, the function
	// REFRESH_FUNCTION_NAME names.
	RefreshInvoker posting.AsyncInvoker
}

// App holds every wired part. Fields a function does not need may be nil
// (their configuration is absent). Safe for concurrent use.
type App struct {
	Config  config.Config
	Log     *slog.Logger
	Secrets secret.Source

	Connections *dynamo.Connections
	States      *dynamo.States
	Links       *dynamo.Links
	Postings    *dynamo.Postings
	Exports     *dynamo.Exports
	Facts       *dynamo.Facts // connection, link and marker in one read (intake, exporter)
	Events      *dynamo.Events
	Buckets     *dynamo.Buckets
	Outbox      *dynamo.Outbox
	Settings    *dynamo.Settings
	Deployment  *dynamo.Deployment // the deployment's own state (GET /v1/health)
	LeverSync   *dynamo.LeverSync  // exported opportunities' Lever state, webhooks

	ExportQueue *sqsqueue.Queue
	Payloads    *s3store.Payloads // large export jobs (claim check)
	// RefreshInvoker hands refresh requests to the refresher function
	// (asynchronous invocations); nil when the function requests none.
	RefreshInvoker posting.AsyncInvoker

	LeverOAuth  *leverclient.OAuth   // authorize, exchange, refresh
	Levers      *leverclient.Clients // per-connection API clients
	Vault       *connection.Vault
	CursorKey   []byte          // signs the API's page cursors, derived from the token key
	FlowKey     []byte          // binds OAuth flows (PKCE verifier, start link, cookie), derived from the token key
	Health      *health.Monitor // watches the deployment's Lever client credentials
	Connect     *connection.Service
	Refresher   *posting.Refresher
	LinkService *link.Service
	SettingsSvc *settings.Service
	ExportSvc   *export.Service
	Intake      *export.Intake
	Exporter    *export.Exporter
	// Erasure erases (the vendor's DELETE …/candidates/{id}) and
	// anonymises (Lever's candidate.deleted) a candidate.
	Erasure *erasure.Service

	// Lever sync-back: SyncCore receives Lever's webhooks (nil without a
	// token key), Syncer registers them and polls (the refresher).
	SyncCore *leversync.Core
	Syncer   *leversync.Syncer

	Dispatcher *outbox.Dispatcher // outbound events: record and deliver
	Feed       *outbox.Feed       // the per-company events feed

	ExportJobs   *lambdahandler.Exports   // the exporter function's handler
	RefreshJobs  *lambdahandler.Refreshes // the refresher function's handler
	DispatchJobs *lambdahandler.Dispatch  // the dispatcher function's handler
	Setup        *setup.Handler           // the hosted setup page; nil unless the api's services are wired
}

// New wires the app for cfg. It reads the secrets cfg names (token-sealing
// key, Lever client secret) now, so a missing or malformed secret fails the
// cold start with a message naming its parameter.
func New(ctx context.Context, cfg config.Config, opt Options) (*App, error) {
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	a := &App{Config: cfg, Log: log, Secrets: opt.Secrets}
	db, err := dynamo.NewClient(ctx, cfg.DynamoDBEndpoint)
	if err != nil {
		return nil, err
	}
	tables := dynamo.Tables{Connections: cfg.ConnectionsTable, Links: cfg.LinksTable, Exports: cfg.ExportsTable, Events: cfg.EventsTable, Outbox: cfg.OutboxTable}
	a.Connections = dynamo.NewConnections(db, tables)
	a.Links = dynamo.NewLinks(db, tables)
	a.Postings = dynamo.NewPostings(db, tables)
	a.Exports = dynamo.NewExports(db, tables)
	a.Facts = dynamo.NewFacts(db, tables)
	a.Buckets = dynamo.NewBuckets(db, tables)
	a.Deployment = dynamo.NewDeployment(db, tables)
	a.LeverSync = dynamo.NewLeverSync(db, tables)
	a.Settings = dynamo.NewSettings(db, tables)
	// An erasure also forgets the candidate's opportunity in Lever sync-back.
	a.Erasure = &erasure.Service{Store: a.Exports, Lever: a.LeverSync, StaleAfter: opt.StaleAfter, Log: log, Now: opt.Now}
	a.SettingsSvc = &settings.Service{Store: a.Settings, Now: opt.Now}
	if cfg.EventsTable != "" {
		a.States = dynamo.NewStates(db, tables)
		a.Events = dynamo.NewEvents(db, tables)
	}
	if cfg.ExportQueueURL != "" {
		sq, err := sqsqueue.NewClient(ctx, cfg.SQSEndpoint)
		if err != nil {
			return nil, err
		}
		a.ExportQueue = sqsqueue.New(sq, cfg.ExportQueueURL)
	}
	a.RefreshInvoker = opt.RefreshInvoker
	if a.RefreshInvoker == nil && cfg.RefreshFunctionName != "" {
		lc, err := lambdainvoke.NewClient(ctx, "")
		if err != nil {
			return nil, err
		}
		a.RefreshInvoker = lambdainvoke.New(lc, cfg.RefreshFunctionName)
	}

	if cfg.PayloadBucket != "" {
		s3c, err := s3store.NewClient(ctx, cfg.S3Endpoint)
		if err != nil {
			return nil, err
		}
		a.Payloads = s3store.New(s3c, cfg.PayloadBucket)
		a.Erasure.Payloads = a.Payloads // an erasure deletes the candidate's queued snapshots
	}

	var tokenKey []byte
	if cfg.TokenKeyParam != "" {
		key, err := secret.AESKey(ctx, opt.Secrets, cfg.TokenKeyParam)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		tokenKey = key
		sealer, err := connection.NewSealer(key)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		if a.CursorKey, err = connection.DeriveKey(key, httpapi.CursorPurpose); err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		if a.FlowKey, err = connection.DeriveKey(key, connection.FlowPurpose); err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		clientSecret, err := opt.Secrets.Get(ctx, cfg.LeverClientSecretParam)
		if err != nil {
			return nil, fmt.Errorf("app: read secret parameter %s: %w", cfg.LeverClientSecretParam, err)
		}
		lc := leverclient.Config{
			ClientID: cfg.LeverClientID, ClientSecret: strings.TrimSpace(clientSecret),
			AuthBaseURL: cfg.LeverAuthBaseURL, APIBaseURL: cfg.LeverAPIBaseURL, HTTPClient: opt.HTTPClient, OnCall: opt.OnLeverCall,
			RedirectHosts: cfg.LeverRedirectHosts,
		}
		a.LeverOAuth = &leverclient.OAuth{Config: lc}
		a.Health = &health.Monitor{Store: a.Deployment, Log: log, Now: opt.Now}
		a.Vault = &connection.Vault{Store: a.Connections, Sealer: sealer, Refresher: a.LeverOAuth, Links: a.Links, Watch: a.Health, Log: log, Now: opt.Now}
		a.Levers = &leverclient.Clients{
			Config: lc, Vault: a.Vault, Buckets: a.Buckets,
			Bucket: throttle.Bucket{Rate: cfg.LeverRateLimit, Burst: cfg.LeverBurst},
		}
	}
	if a.Vault != nil {
		a.SyncCore = &leversync.Core{
			States: a.LeverSync, Records: a.LeverSync, Connections: a.Connections, Lever: a.Levers,
			Sealer: a.Vault.Sealer, Log: log, Now: opt.Now,
		}
		a.Syncer = &leversync.Syncer{Core: a.SyncCore, HookBase: cfg.LeverWebhookURL}
	}
	if a.Vault != nil {
		a.Refresher = &posting.Refresher{
			Connections: a.Connections, Postings: a.Postings, Lease: a.Postings, Links: a.Links,
			Lever: a.Levers, Revoker: a.Vault, Tokens: a.Vault, Invoker: a.RefreshInvoker, Log: log, Now: opt.Now,
			Settings: announceSettings{a.Settings},
		}
	}
	if a.Vault != nil && a.States != nil {
		a.Connect = &connection.Service{Webhooks: a.Syncer,
			Connections: a.Connections, States: a.States, Vault: a.Vault, Lever: a.LeverOAuth,
			Refresh: a.Refresher, AllowedOrigins: returnOrigins(cfg), Log: log, Now: opt.Now,
			FlowKey: a.FlowKey, NoPKCE: cfg.LeverNoPKCE,
		}
	}
	if a.Vault != nil {
		a.Exporter = &export.Exporter{
			Connections: a.Connections, Links: a.Links, Facts: a.Facts, Postings: a.Postings, Markers: a.Exports, Activities: a.Exports, Settings: a.Settings, Contacts: a.Exports,
			Lever: a.Levers, Revoker: a.Vault, PerformAs: a.Vault, Source: cfg.MarketplaceName, StaleAfter: opt.StaleAfter, Log: log, Now: opt.Now,
		}
		if len(cfg.ResumeAllowedHosts) > 0 {
			a.Exporter.Resumes = &resume.Fetcher{Hosts: cfg.ResumeAllowedHosts, Client: opt.HTTPClient, AllowLoopback: opt.ResumeAllowLoopback}
		}
		a.Exporter.Budget = a.Levers
		a.ExportJobs = &lambdahandler.Exports{Jobs: a.Exporter, MaxReceives: cfg.ExportMaxReceives, Log: log}
		if a.Payloads != nil {
			a.ExportJobs.Payloads = a.Payloads
		}
		if a.ExportQueue != nil {
			a.ExportJobs.Queue = a.ExportQueue // hands back jobs whose company's budget is booked ahead
		}
		a.RefreshJobs = &lambdahandler.Refreshes{Refresher: a.Refresher, Sync: a.Syncer, Log: log}
	}
	if cfg.OutboxTable != "" {
		if err := a.wireOutbox(ctx, db, tables, opt); err != nil {
			return nil, err
		}
	}
	a.LinkService = &link.Service{Links: a.Links, Postings: postingExists{a.Postings}, Conn: a.Connections, Now: opt.Now}
	if a.ExportQueue != nil {
		a.ExportSvc = &export.Service{
			Connections: a.Connections, Links: a.Links, Facts: a.Facts, Markers: a.Exports, Activities: a.Exports, Settings: a.Settings,
			Postings: a.Postings, Queue: a.ExportQueue, Now: opt.Now,
		}
		if a.Refresher != nil {
			a.ExportSvc.Reloader = postingReloader{a.Refresher}
		}
		if a.Payloads != nil {
			a.ExportSvc.Payloads = a.Payloads
		}
		if a.Events != nil {
			a.Intake = &export.Intake{Seen: a.Events, Facts: a.Facts, Links: a.Links, Markers: a.Exports, Settings: a.Settings, Queue: a.ExportQueue, EventTTL: cfg.EventTTL, Log: log, Now: opt.Now, Postings: a.Postings}
			if a.Payloads != nil {
				a.Intake.Payloads = a.Payloads
			}
		}
	}
	if a.Setup, err = a.newSetup(tokenKey); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return a, nil
}

// wireOutbox builds the feed, the dispatcher and its handler. With a
// VendorEventsUrl the dispatcher pushes events signed with the secret of
// VendorEventsSecretParam (read now); without one, opt.EventSender (the
// local receiver) or nothing: the feed alone.
func (a *App) wireOutbox(ctx context.Context, db dynamo.TxDB, tables dynamo.Tables, opt Options) error {
	a.Outbox = dynamo.NewOutbox(db, tables)
	a.Dispatcher = &outbox.Dispatcher{Store: a.Outbox, Sender: opt.EventSender, Log: a.Log, Now: opt.Now}
	if url := a.Config.VendorEventsURL; url != "" && a.Config.VendorEventsSecretParam != "" {
		s, err := opt.Secrets.Get(ctx, a.Config.VendorEventsSecretParam)
		if err != nil {
			return fmt.Errorf("app: read secret parameter %s: %w", a.Config.VendorEventsSecretParam, err)
		}
		a.Dispatcher.Sender = &outbox.HTTPSender{URL: url, Secret: strings.TrimSpace(s), Client: opt.HTTPClient, Now: opt.Now}
	}
	a.Feed = &outbox.Feed{Store: a.Outbox, Dispatcher: a.Dispatcher, Delivering: a.Dispatcher.Sender != nil || a.Config.VendorEventsURL != "",
		Cursors: httpapi.FeedCursors(a.CursorKey)}
	a.DispatchJobs = &lambdahandler.Dispatch{
		Dispatcher: a.Dispatcher, Decode: dynamo.StreamChange, Log: a.Log,
		Tracker: &leversync.Core{States: a.LeverSync, Log: a.Log, Now: opt.Now},
		// candidate.deleted anonymises what leverlink holds (ids kept).
		Eraser: a.Erasure,
	}
	return nil
}
