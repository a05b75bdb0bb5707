package setup

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/settings"
)

//go:embed assets
var assetFS embed.FS

// Connections is what the page needs of the Lever connection
// (connection.Service satisfies it). CheckReturnURL returns apperr Invalid
// naming returnUrl for a URL off the allowed origins. SetPerformAs repairs
// a perform_as_inactive connection (apperr Invalid naming email for an
// unknown or deactivated Lever user).
type Connections interface {
	Status(ctx context.Context, companyID string) (connection.View, error)
	Authorize(ctx context.Context, companyID, redirectURL string, in connection.AuthorizeInput) (string, error)
	Disconnect(ctx context.Context, companyID string) (connection.DisconnectView, error)
	SetPerformAs(ctx context.Context, companyID string, in connection.PerformAsInput) (connection.View, error)
	CheckReturnURL(raw string) error
}

// Postings lists every cached posting of a company (all states) and
// reloads them from Lever synchronously (Reload's errors carry the
// not_connected / lever_revoked / reauth_required reasons).
type Postings interface {
	List(ctx context.Context, companyID string) (posting.ListView, error)
	Reload(ctx context.Context, companyID string) error
}

// Links reads and changes position links (link.Service's rules on Put).
type Links interface {
	List(ctx context.Context, companyID string) ([]link.Link, error)
	Put(ctx context.Context, companyID, positionID string, in link.PutInput) (link.Link, error)
	Delete(ctx context.Context, companyID, positionID string) error
}

// Exports lists exports by state and retries a failed one (export.Service
// satisfies it).
type Exports interface {
	Failed(ctx context.Context, companyID, state, cursor string, limit int) ([]export.StatusView, string, error)
	Retry(ctx context.Context, companyID, candidateID string, in export.ExportRequest) (export.StatusView, error)
}

// Settings reads and replaces a company's settings on the condition of the
// version the page read (settings.Service satisfies it: Put's errors are
// apperr Invalid naming the field, apperr Conflict with Reason
// stale_version).
type Settings interface {
	Get(ctx context.Context, companyID string) (settings.Settings, error)
	Put(ctx context.Context, companyID, ifMatch, keyID string, d settings.Document) (settings.Settings, error)
}

// CSRFHeader carries the CSRF token on every state change.
const CSRFHeader = "X-Setup-CSRF"

// CookieName is the session cookie.
const CookieName = "leverlink_setup"

// Handler serves the page under /setup/ and mints sessions. Build it once;
// it is safe for concurrent use.
type Handler struct {
	Signer *Signer
	// BaseURL is the api's public origin ("https://abc.execute-api...",
	// no trailing slash): session URLs and the Lever round trip's return
	// point at BaseURL + "/setup".
	BaseURL string
	// RedirectURL is the configured OAuth callback (LEVER_REDIRECT_URL);
	// when empty the callback, and BaseURL when empty, are derived from
	// the API Gateway request (httpapi.CallbackURL).
	RedirectURL string
	// FrameAncestors are the origins allowed to embed the page (the
	// vendor's ALLOWED_RETURN_ORIGINS); the page's own origin is always
	// allowed.
	FrameAncestors []string
	// FlowKey signs the start link the Connect button opens (the OAuth
	// callback's FlowKey: connection.DeriveKey(token key, FlowPurpose)).
	FlowKey     []byte
	Connections Connections
	Postings    Postings
	Links       Links
	Exports     Exports
	Settings    Settings
	TTL         time.Duration // session lifetime, default and maximum MaxTTL
	Log         *slog.Logger
	Now         func() time.Time

	once sync.Once
	mux  *http.ServeMux
	csp  string
}

// PagePath is where the page lives on the api's origin (no trailing
// slash: API Gateway's greedy /setup/{proxy+} route does not match an empty
// tail, so the page has its own GET /setup route). The session cookie is
// scoped to it and everything under /setup/.
const PagePath = "/setup"

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// PageURL is the page's absolute URL (the OAuth return URL of its Connect
// button).
func (h *Handler) PageURL() string { return strings.TrimRight(h.BaseURL, "/") + PagePath }

// callbackURL is this deployment's OAuth callback for r: RedirectURL when
// configured, else derived from the HTTP API serving r (httpapi.CallbackURL).
func (h *Handler) callbackURL(r *http.Request) (string, error) {
	return httpapi.CallbackURL(h.RedirectURL, r)
}

// base is the page's origin for r: BaseURL when set, else the origin of the
// OAuth callback, which the same HTTP API serves. "" when neither is known.
func (h *Handler) base(r *http.Request) string {
	if h.BaseURL != "" {
		return h.BaseURL
	}
	cb, err := h.callbackURL(r)
	if err != nil {
		return ""
	}
	u, err := url.Parse(cb)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// pageURL is PageURL for the origin serving r.
func (h *Handler) pageURL(r *http.Request) string {
	return strings.TrimRight(h.base(r), "/") + PagePath
}

// SessionView is the answer of POST /setup-sessions. SessionID is the
// session's Session.AuditID: the updatedBy of the settings changes made
// through it, so the vendor can tell which of its users' sessions made one.
type SessionView struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
	SessionID string    `json:"sessionId"`
}

// NewSession validates in and mints a session for companyID. Errors:
// apperr Invalid naming the field (returnUrl off the allowed origins,
// positions, locale).
func (h *Handler) NewSession(ctx context.Context, companyID string, in NewSessionInput) (SessionView, error) {
	return h.newSession(ctx, h.PageURL(), companyID, in)
}

// newSession is NewSession for a page served at pageURL.
func (h *Handler) newSession(ctx context.Context, pageURL, companyID string, in NewSessionInput) (SessionView, error) {
	if err := in.validate(); err != nil {
		return SessionView{}, err
	}
	if err := h.Connections.CheckReturnURL(in.ReturnURL); err != nil {
		return SessionView{}, err
	}
	ttl := h.TTL
	if ttl <= 0 || ttl > MaxTTL {
		ttl = MaxTTL
	}
	now := h.now()
	s := Session{
		CompanyID: companyID, Positions: in.Positions, Locale: in.Locale, ReturnURL: in.ReturnURL,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(ttl).Unix(), Nonce: newNonce(),
	}
	if s.Positions == nil {
		s.Positions = []Position{}
	}
	tok, err := h.Signer.Sign(s)
	if err != nil {
		return SessionView{}, err
	}
	h.log().InfoContext(ctx, "setup session minted", "company_id", companyID, "session_id", s.AuditID(), "positions", len(s.Positions))
	return SessionView{URL: pageURL + "?s=" + url.QueryEscape(tok), ExpiresAt: s.Expires(), SessionID: s.AuditID()}, nil
}

// CreateSession is the management route POST
// /v1/companies/{companyId}/setup-sessions (the caller has authenticated
// the bearer key and checked companyId).
func (h *Handler) CreateSession(w http.ResponseWriter, r *http.Request) error {
	var in NewSessionInput
	if err := httpapi.Decode(r, &in, false); err != nil {
		return err
	}
	if h.base(r) == "" {
		return apperr.E(apperr.Internal, "setup page: no public URL: set LEVER_REDIRECT_URL or serve through API Gateway")
	}
	v, err := h.newSession(r.Context(), h.pageURL(r), r.PathValue("companyId"), in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, v)
	return nil
}

// ServeHTTP serves everything under /setup/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(h.init)
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) init() {
	h.csp = ContentSecurityPolicy(h.FrameAncestors)
	m := http.NewServeMux()
	m.HandleFunc("GET /setup", h.page)
	m.HandleFunc("GET /setup/{$}", func(w http.ResponseWriter, r *http.Request) {
		h.headers(w)
		http.Redirect(w, r, PagePath, http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /setup/assets/{name}", h.asset)
	api := func(pattern string, fn func(http.ResponseWriter, *http.Request, Session) error) {
		m.HandleFunc(pattern, h.apiRoute(fn, !strings.HasPrefix(pattern, "GET ")))
	}
	api("GET /setup/api/state", h.state)
	api("POST /setup/api/connection/authorize", h.authorize)
	api("DELETE /setup/api/connection", h.disconnect)
	api("PUT /setup/api/connection/perform-as", h.performAs)
	api("POST /setup/api/postings/reload", h.reload)
	api("PUT /setup/api/links/{positionId}", h.putLink)
	api("DELETE /setup/api/links/{positionId}", h.deleteLink)
	api("POST /setup/api/exports/{candidateId}/retry", h.retry)
	api("GET /setup/api/settings", h.getSettings)
	api("PUT /setup/api/settings", h.putSettings)
	m.HandleFunc("/setup/", func(w http.ResponseWriter, r *http.Request) {
		h.headers(w)
		httpapi.WriteError(w, r, h.log(), apperr.E(apperr.NotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	h.mux = m
}

// headers sets the security headers of every /setup/ response.
func (h *Handler) headers(w http.ResponseWriter) {
	SecurityHeaders(w.Header(), h.csp)
}

// page serves the page. With ?s=TOKEN (the session URL's first load) it
// verifies the token, moves it into the session cookie and redirects to
// the bare page, so the token leaves the address bar and the history.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	h.headers(w)
	if tok := r.URL.Query().Get("s"); tok != "" {
		s, err := h.Signer.Verify(tok, h.now())
		if err != nil {
			h.log().InfoContext(r.Context(), "setup session refused", "reason", apperr.ReasonOf(err))
			h.file(w, "assets/refused.html", "text/html; charset=utf-8", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, h.cookie(tok, s.Expires()))
		http.Redirect(w, r, PagePath, http.StatusSeeOther)
		return
	}
	h.file(w, "assets/index.html", "text/html; charset=utf-8", http.StatusOK)
}

// cookie is the session cookie: HttpOnly (no script reads it), Secure,
// SameSite=Strict (no other site's page sends it), scoped to /setup.
func (h *Handler) cookie(tok string, exp time.Time) *http.Cookie {
	return &http.Cookie{
		Name: CookieName, Value: tok, Path: PagePath, Expires: exp,
		MaxAge: int(exp.Sub(h.now()).Seconds()), HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	}
}

var assetTypes = map[string]string{"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}

func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	h.headers(w)
	name := r.PathValue("name")
	typ, ok := assetTypes[name]
	if !ok {
		httpapi.WriteError(w, r, h.log(), apperr.E(apperr.NotFound, "no asset %s", name))
		return
	}
	h.file(w, "assets/"+name, typ, http.StatusOK)
}

func (h *Handler) file(w http.ResponseWriter, name, typ string, status int) {
	b, err := fs.ReadFile(assetFS, name)
	if err != nil {
		http.Error(w, "missing asset", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// apiRoute authenticates a page request by its session cookie and, for a
// state change, its same-origin Origin and CSRF token; it translates errors
// at the edge.
func (h *Handler) apiRoute(fn func(http.ResponseWriter, *http.Request, Session) error, change bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.headers(w)
		s, err := h.session(r)
		if err == nil && change {
			err = h.checkChange(r, s)
		}
		for _, p := range []string{"positionId", "candidateId"} {
			if v := r.PathValue(p); err == nil && v != "" {
				err = event.CheckID(p, v)
			}
		}
		if err == nil {
			err = fn(w, r, s)
		}
		if err != nil {
			httpapi.WriteError(w, r, h.log(), err)
		}
	}
}

// session reads and verifies the session cookie.
func (h *Handler) session(r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return h.Signer.Verify("", h.now())
	}
	return h.Signer.Verify(c.Value, h.now())
}

// checkChange refuses a state change sent from another origin or without
// the session's CSRF token: apperr Forbidden, Reason csrf_invalid.
func (h *Handler) checkChange(r *http.Request, s Session) error {
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, h.base(r)) {
		return apperr.E(apperr.Forbidden, "state changes must come from the setup page itself").WithReason(ReasonCSRF)
	}
	return h.Signer.CheckCSRF(s, r.Header.Get(CSRFHeader))
}

func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme != "" && strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}
