package app

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lambdahandler"
	"github.com/leverlink/leverlink/shared/secret"
)

// ScheduleFunc is the refresher's and the dispatcher's Lambda handler: a
// schedule event, or a refresh request (an asynchronous invocation) or a
// DynamoDB stream batch.
type ScheduleFunc = func(context.Context, json.RawMessage) (any, error)

// The Lambda constructors, one per function: a cold start (Boot) and the
// handler its main passes to lambda.Start. The error names what is missing;
// main prints it and exits.

// NewAPI builds the api function.
func NewAPI(ctx context.Context) (lambdahandler.HTTPFunc, error) {
	a, err := Boot(ctx, config.API)
	if err != nil {
		return nil, err
	}
	return a.APIFunction(), nil
}

// NewWebhook builds the webhook function.
func NewWebhook(ctx context.Context) (lambdahandler.HTTPFunc, error) {
	a, err := Boot(ctx, config.Webhook)
	if err != nil {
		return nil, err
	}
	return a.WebhookFunction(), nil
}

// NewOAuth builds the oauth function.
func NewOAuth(ctx context.Context) (lambdahandler.HTTPFunc, error) {
	a, err := Boot(ctx, config.OAuth)
	if err != nil {
		return nil, err
	}
	return a.OAuthFunction(), nil
}

// NewExporter builds the exporter function.
func NewExporter(ctx context.Context) (lambdahandler.BatchFunc, error) {
	a, err := Boot(ctx, config.Exporter)
	if err != nil {
		return nil, err
	}
	return a.ExporterFunction(), nil
}

// NewRefresher builds the refresher function.
func NewRefresher(ctx context.Context) (ScheduleFunc, error) {
	a, err := Boot(ctx, config.Refresher)
	if err != nil {
		return nil, err
	}
	return a.RefresherFunction(), nil
}

// NewDispatcher builds the dispatcher function.
func NewDispatcher(ctx context.Context) (ScheduleFunc, error) {
	a, err := Boot(ctx, config.Dispatcher)
	if err != nil {
		return nil, err
	}
	return a.DispatcherFunction(), nil
}

// The functions' Lambda handlers on a wired App: what Lambda invokes, and
// what the local stack invokes through the same JSON boundary.

// APIFunction is the api function's handler.
func (a *App) APIFunction() lambdahandler.HTTPFunc { return lambdahandler.HTTP(a.APIHandler()) }

// WebhookFunction is the webhook function's handler.
func (a *App) WebhookFunction() lambdahandler.HTTPFunc {
	return lambdahandler.HTTP(a.WebhookHandler())
}

// OAuthFunction is the oauth function's handler.
func (a *App) OAuthFunction() lambdahandler.HTTPFunc { return lambdahandler.HTTP(a.CallbackHandler()) }

// ExporterFunction is the exporter function's handler (nil parts when the
// configuration has no token key: see New).
func (a *App) ExporterFunction() lambdahandler.BatchFunc { return a.ExportJobs.HandleBatch }

// RefresherFunction is the refresher function's handler.
func (a *App) RefresherFunction() ScheduleFunc { return a.RefreshJobs.Handle }

// DispatcherFunction is the dispatcher function's handler: a DynamoDB
// stream batch or the retry schedule.
func (a *App) DispatcherFunction() ScheduleFunc { return a.DispatchJobs.Handle }

// The HTTP functions' handlers, for tests that call them in-process.

// APIHandler serves the management API with the keys of the APIKeysParam
// secret.
func (a *App) APIHandler() http.Handler {
	return a.API(SecretKeys(a.Secrets, a.Config.APIKeysParam)).Handler()
}

// API returns the management API server accepting keys.
func (a *App) API(keys httpapi.KeySource) *httpapi.Server {
	s := &httpapi.Server{
		Keys: keys, Connect: a.Connect, Postings: a.Postings, Refresher: a.Refresher,
		Links: a.Links, LinkService: a.LinkService, Exports: a.ExportSvc, Events: a.Feed, Settings: a.SettingsSvc, Health: a.Deployment,
		LeverStatus: a.LeverSync, Erasure: a.Erasure, RedirectURL: a.Config.LeverRedirectURL, CursorKey: a.CursorKey, FlowKey: a.FlowKey,
		ResumeHosts: a.Config.ResumeAllowedHosts, Log: a.Log,
	}
	if a.Setup != nil {
		s.Setup = a.Setup
	}
	return s
}

// WebhookHandler receives events signed with a secret of the
// WebhookSecretParam secret (POST /v1/events) and Lever's webhook
// deliveries (POST /v1/lever-webhooks/{companyId}, signed with the
// company's webhook signature tokens).
func (a *App) WebhookHandler() http.Handler {
	lw := &httpapi.LeverWebhook{Log: a.Log}
	if a.SyncCore != nil {
		lw.Receiver = a.SyncCore
	}
	m := http.NewServeMux()
	m.Handle("POST /v1/lever-webhooks/{companyId}", lw)
	m.Handle("/", &httpapi.Webhook{Secrets: SecretKeys(a.Secrets, a.Config.WebhookSecretParam), Intake: a.Intake, ResumeHosts: a.Config.ResumeAllowedHosts, Log: a.Log})
	return m
}

// CallbackHandler is Lever's OAuth redirect target.
func (a *App) CallbackHandler() http.Handler {
	return &httpapi.OAuthCallback{Connect: a.Connect, RedirectURL: a.Config.LeverRedirectURL, FlowKey: a.FlowKey, Log: a.Log}
}

// SecretKeys returns a cached key list read from the named secret parameter
// (API keys, webhook secrets), re-read every minute so rotations apply
// without a deploy.
func SecretKeys(src secret.Source, name string) httpapi.KeySource {
	return &httpapi.CachedKeys{Source: httpapi.KeyFunc(func(ctx context.Context) ([]string, error) {
		return secret.Keys(ctx, src, name)
	})}
}
