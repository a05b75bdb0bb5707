// Package app is the composition root shared by the five functions and the
// local stack: it turns a config.Config and a secret source into wired
// services, so that functions/<name>/main.go only wires and the local stack
// calls the very same constructors.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/secret"
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
}

// App holds every wired part. Fields a function does not need may be nil
// (their configuration is absent). Safe for concurrent use.
type App struct {
	Config config.Config
	Log    *slog.Logger

	Connections *dynamo.Connections
	States      *dynamo.States
	Links       *dynamo.Links
	Postings    *dynamo.Postings
	Exports     *dynamo.Exports
	Events      *dynamo.Events
	Buckets     *dynamo.Buckets

	ExportQueue  *sqsqueue.Queue
	RefreshQueue *sqsqueue.Queue

	Vault       *connection.Vault
	Connect     *connection.Service
	Refresher   *posting.Refresher
	LinkService *link.Service
	ExportSvc   *export.Service
	Intake      *export.Intake
	Exporter    *export.Exporter
	Levers      *Levers
}

// New wires the app for cfg. It reads the secrets cfg names (token-sealing
// key, Lever client secret) now, so a missing or malformed secret fails the
// cold start with a message naming its parameter.
func New(ctx context.Context, cfg config.Config, opt Options) (*App, error) {
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	a := &App{Config: cfg, Log: log}
	db, err := dynamo.NewClient(ctx, cfg.DynamoDBEndpoint)
	if err != nil {
		return nil, err
	}
	tables := dynamo.Tables{Connections: cfg.ConnectionsTable, Links: cfg.LinksTable, Exports: cfg.ExportsTable, Events: cfg.EventsTable}
	a.Connections = dynamo.NewConnections(db, tables)
	a.Links = dynamo.NewLinks(db, tables)
	a.Postings = dynamo.NewPostings(db, tables)
	a.Exports = dynamo.NewExports(db, tables)
	a.Buckets = dynamo.NewBuckets(db, tables)
	if cfg.EventsTable != "" {
		a.States = dynamo.NewStates(db, tables)
		a.Events = dynamo.NewEvents(db, tables)
	}
	if cfg.ExportQueueURL != "" || cfg.RefreshQueueURL != "" {
		sq, err := sqsqueue.NewClient(ctx, cfg.SQSEndpoint)
		if err != nil {
			return nil, err
		}
		if cfg.ExportQueueURL != "" {
			a.ExportQueue = sqsqueue.New(sq, cfg.ExportQueueURL)
		}
		if cfg.RefreshQueueURL != "" {
			a.RefreshQueue = sqsqueue.New(sq, cfg.RefreshQueueURL)
		}
	}

	if cfg.TokenKeyParam != "" {
		key, err := secret.AESKey(ctx, opt.Secrets, cfg.TokenKeyParam)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		sealer, err := connection.NewSealer(key)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		clientSecret, err := opt.Secrets.Get(ctx, cfg.LeverClientSecretParam)
		if err != nil {
			return nil, fmt.Errorf("app: read secret parameter %s: %w", cfg.LeverClientSecretParam, err)
		}
		a.Levers = &Levers{
			cfg: cfg, clientSecret: strings.TrimSpace(clientSecret), hc: opt.HTTPClient,
			onCall: opt.OnLeverCall, buckets: a.Buckets,
			bucket: throttle.Bucket{Rate: cfg.LeverRateLimit, Burst: cfg.LeverBurst},
		}
		a.Vault = &connection.Vault{Store: a.Connections, Sealer: sealer, Refresher: a.Levers, Links: a.Links, Log: log, Now: opt.Now}
		a.Levers.vault = a.Vault
	}
	if a.Vault != nil && a.States != nil {
		a.Connect = &connection.Service{
			Connections: a.Connections, States: a.States, Vault: a.Vault, Lever: a.Levers,
			Refresh: refreshEnqueuer{a.RefreshQueue}, AllowedOrigins: cfg.AllowedReturnOrigins, Log: log, Now: opt.Now,
		}
	}
	if a.Vault != nil {
		a.Refresher = &posting.Refresher{
			Connections: a.Connections, Postings: a.Postings, Lease: a.Postings, Links: a.Links,
			Lever: a.Levers, Revoker: a.Vault, Queue: refreshEnqueuer{a.RefreshQueue}, Log: log, Now: opt.Now,
		}
		a.Exporter = &export.Exporter{
			Connections: a.Connections, Links: a.Links, Markers: a.Exports, Contacts: a.Exports,
			Lever: a.Levers, Revoker: a.Vault, Source: cfg.MarketplaceName, StaleAfter: opt.StaleAfter, Log: log, Now: opt.Now,
		}
		if len(cfg.ResumeAllowedHosts) > 0 {
			a.Exporter.Resumes = &ResumeFetcher{Hosts: cfg.ResumeAllowedHosts, Client: opt.HTTPClient}
		}
	}
	a.LinkService = &link.Service{Links: a.Links, Postings: postingExists{a.Postings}, Conn: activeChecker{a.Connections}, Now: opt.Now}
	if a.ExportQueue != nil {
		a.ExportSvc = &export.Service{Connections: a.Connections, Links: a.Links, Markers: a.Exports, Activities: a.Exports, Queue: a.ExportQueue, Now: opt.Now}
		if a.Events != nil {
			a.Intake = &export.Intake{Seen: a.Events, Connections: a.Connections, Links: a.Links, Markers: a.Exports, Queue: a.ExportQueue, EventTTL: cfg.EventTTL, Log: log, Now: opt.Now}
		}
	}
	return a, nil
}

// API returns the management API server.
func (a *App) API(keys httpapi.KeySource) *httpapi.Server {
	return &httpapi.Server{
		Keys: keys, Connect: a.Connect, Postings: a.Postings, Refresher: a.Refresher,
		Links: a.Links, LinkService: a.LinkService, Exports: a.ExportSvc, Log: a.Log,
	}
}

// SecretKeys returns a cached key list read from the named secret parameter
// (API keys, webhook secrets), re-read every minute so rotations apply
// without a deploy.
func SecretKeys(src secret.Source, name string) httpapi.KeySource {
	return &httpapi.CachedKeys{Source: httpapi.KeyFunc(func(ctx context.Context) ([]string, error) {
		return secret.Keys(ctx, src, name)
	})}
}

type refreshEnqueuer struct{ q *sqsqueue.Queue }

// EnqueueRefresh asks for one company's postings refresh.
func (r refreshEnqueuer) EnqueueRefresh(ctx context.Context, companyID string) error {
	if r.q == nil {
		return apperr.E(apperr.Internal, "no refresh queue configured")
	}
	return r.q.Enqueue(ctx, "", "", refreshBody(companyID))
}

// EnqueueRefreshBatch asks for several companies' refreshes (≤ 10).
func (r refreshEnqueuer) EnqueueRefreshBatch(ctx context.Context, companyIDs []string) error {
	if r.q == nil {
		return apperr.E(apperr.Internal, "no refresh queue configured")
	}
	entries := make([]sqsqueue.Entry, len(companyIDs))
	for i, id := range companyIDs {
		entries[i] = sqsqueue.Entry{Body: refreshBody(id)}
	}
	return r.q.EnqueueBatch(ctx, entries)
}

type postingExists struct{ s *dynamo.Postings }

func (p postingExists) Exists(ctx context.Context, companyID, postingID string) (string, error) {
	ps, err := p.s.Get(ctx, companyID, postingID)
	return ps.State, err
}

type activeChecker struct{ s *dynamo.Connections }

func (a activeChecker) Active(ctx context.Context, companyID string) (bool, error) {
	c, err := a.s.Get(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil && c.Active(), err
}
