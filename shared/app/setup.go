package app

import (
	"context"
	"net/url"
	"time"

	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/setup"
)

// setupBaseURL is the api's public origin, where the hosted setup page
// lives: the origin of the OAuth callback URL, which the same HTTP API
// serves (custom domain included). "" when it cannot be told.
func setupBaseURL(cfg config.Config) string {
	u, err := url.Parse(cfg.LeverRedirectURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// returnOrigins are the origins the Lever round trip may return to: the
// vendor's ALLOWED_RETURN_ORIGINS plus the api's own origin, so that the
// setup page's Connect button can come back to the page.
func returnOrigins(cfg config.Config) []string {
	out := append([]string(nil), cfg.AllowedReturnOrigins...)
	if b := setupBaseURL(cfg); b != "" {
		out = append(out, b)
	}
	return out
}

// newSetup wires the hosted setup page when everything it calls is
// configured (the api function), else returns nil. Its session and CSRF
// keys are derived (HKDF) from the token-sealing key: no new secret.
func (a *App) newSetup(tokenKey []byte) (*setup.Handler, error) {
	base := setupBaseURL(a.Config) // "" when derived per request
	if a.Connect == nil || a.Refresher == nil || a.ExportSvc == nil || a.SettingsSvc == nil || len(tokenKey) == 0 {
		return nil, nil
	}
	signer, err := setup.NewSigner(tokenKey)
	if err != nil {
		return nil, err
	}
	return &setup.Handler{
		Signer: signer, BaseURL: base, RedirectURL: a.Config.LeverRedirectURL, FrameAncestors: a.Config.AllowedReturnOrigins, FlowKey: a.FlowKey,
		Connections: a.Connect, Postings: setupPostings{a.Postings, a.Refresher}, Links: setupLinks{a.Links, a.LinkService},
		Exports: a.ExportSvc, Settings: a.SettingsSvc, Log: a.Log,
	}, nil
}

// setupPostings gives the page every cached posting and the synchronous
// Reload of the API's "Reload" link.
type setupPostings struct {
	store posting.Store
	r     *posting.Refresher
}

var _ setup.Postings = setupPostings{}

func (p setupPostings) List(ctx context.Context, companyID string) (posting.ListView, error) {
	return posting.List(ctx, p.store, companyID, "all", "")
}

func (p setupPostings) Reload(ctx context.Context, companyID string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err := posting.Reload(ctx, p.r, companyID, 0)
	return err
}

// setupLinks reads and deletes through the store and puts through the
// link service (its validation).
type setupLinks struct {
	link.Store
	svc *link.Service
}

var _ setup.Links = setupLinks{}

func (l setupLinks) Put(ctx context.Context, companyID, positionID string, in link.PutInput) (link.Link, error) {
	return l.svc.Put(ctx, companyID, positionID, in)
}
