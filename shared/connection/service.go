package connection

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Lever is what connecting needs from Lever: the authorize URL (the
// default scopes plus extraScopes), the code exchange and a user lookup,
// per environment.
//
// Exchange returns apperr Unauthorized/Invalid when Lever refuses the code.
// UserByEmail and UserByID return apperr NotFound when there is no such user.
type Lever interface {
	// AuthCodeURL and Exchange take the redirect URL (the callback) of the
	// request being served; both legs of one authorization use the same.
	// verifier is the flow's PKCE verifier (S256 challenge on the authorize
	// URL, code_verifier on the exchange); "" sends no PKCE. The URL asks
	// for the default scopes plus extraScopes.
	AuthCodeURL(env Environment, state, redirectURL, verifier string, extraScopes []string) string
	Exchange(ctx context.Context, env Environment, code, redirectURL, verifier string) (Grant, error)
	UserByEmail(ctx context.Context, env Environment, accessToken, email string) (User, error)
	UserByID(ctx context.Context, env Environment, accessToken, id string) (User, error)
}

// User is a Lever user, as far as perform_as needs it.
type User struct {
	ID          string
	Email       string
	Deactivated bool
}

// RefreshEnqueuer asks for a postings refresh of one company.
type RefreshEnqueuer interface {
	EnqueueRefresh(ctx context.Context, companyID string) error
}

// Service connects and disconnects companies. Safe for concurrent use.
type Service struct {
	Connections    Store
	States         StateStore
	Vault          *Vault
	Lever          Lever
	Refresh        RefreshEnqueuer
	AllowedOrigins []string // scheme://host[:port] the admin may be sent back to
	StateTTL       time.Duration
	// FlowKey binds each authorization to its state: the PKCE verifier is
	// derived from it and the state (FlowVerifier), so a code obtained in
	// one company's flow cannot be exchanged in another's. Derive it from
	// the token key (DeriveKey, FlowPurpose); nil: a per-process key.
	FlowKey []byte
	// NoPKCE sends no PKCE (LEVER_PKCE=off): Lever does not document it.
	NoPKCE bool
	Log    *slog.Logger
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// AuthorizeInput is the body of POST /connection/authorize.
type AuthorizeInput struct {
	ReturnURL      string      `json:"returnUrl" maxLength:"2048"`
	Environment    Environment `json:"environment" maxLength:"32"`
	PerformAsEmail string      `json:"performAsEmail,omitempty" maxLength:"320"`
	// Confidential asks Lever for confidential:access:admin too, so that
	// confidential postings can be listed and linked.
	Confidential bool `json:"confidential,omitempty"`
}

// ScopeConfidential is the Lever scope Confidential adds
// (lever.ScopeConfidential): it lets a connection see confidential
// postings and opportunities (Connection.Confidentiality).
const ScopeConfidential = "confidential:access:admin"

// Authorize validates in and returns the Lever authorize URL carrying a new
// single-use state bound to the company, environment and return URL, and
// redirectURL (this deployment's OAuth callback, which the caller knows from
// the request it serves) as Lever's redirect_uri.
// Errors: apperr Invalid naming the field (returnUrl, environment,
// performAsEmail); Internal when redirectURL is empty; Transient when the
// state cannot be stored.
func (s *Service) Authorize(ctx context.Context, companyID, redirectURL string, in AuthorizeInput) (string, error) {
	if redirectURL == "" {
		return "", apperr.E(apperr.Internal, "authorize: no OAuth callback URL")
	}
	if in.Environment == "" {
		in.Environment = Production
	}
	if !in.Environment.Valid() {
		return "", apperr.InvalidField("environment", "must be production or sandbox")
	}
	if err := s.CheckReturnURL(in.ReturnURL); err != nil && !sameOrigin(in.ReturnURL, redirectURL) {
		return "", err
	}
	if in.PerformAsEmail != "" {
		if a, err := mail.ParseAddress(in.PerformAsEmail); err != nil || a.Address != in.PerformAsEmail {
			return "", apperr.InvalidField("performAsEmail", "must be an email address")
		}
	}
	now := s.now()
	st := State{
		ID: randomState(), CompanyID: companyID, Environment: in.Environment,
		ReturnURL: in.ReturnURL, PerformAsEmail: in.PerformAsEmail,
		CreatedAt: now, ExpiresAt: now.Add(durOr(s.StateTTL, 15*time.Minute)),
	}
	if err := s.States.Put(ctx, st); err != nil {
		return "", fmt.Errorf("authorize: %w", err)
	}
	var extra []string
	if in.Confidential {
		extra = append(extra, ScopeConfidential)
	}
	return s.Lever.AuthCodeURL(in.Environment, st.ID, redirectURL, s.verifier(st.ID), extra), nil
}

// CheckReturnURL returns apperr Invalid naming returnUrl unless raw is an
// absolute http(s) URL on one of AllowedOrigins.
func (s *Service) CheckReturnURL(raw string) error {
	if raw == "" {
		return apperr.InvalidField("returnUrl", "is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return apperr.InvalidField("returnUrl", "must be an absolute http(s) URL")
	}
	origin := canonicalOrigin(u)
	for _, o := range s.AllowedOrigins {
		if ou, err := url.Parse(strings.TrimRight(o, "/")); err == nil && ou.Host != "" && canonicalOrigin(ou) == origin {
			return nil
		}
	}
	return apperr.InvalidField("returnUrl", "origin %s is not an allowed return origin", origin)
}

// sameOrigin reports whether two absolute http(s) URLs share an origin. The
// OAuth callback's origin is this deployment's own API (the hosted setup
// page lives there), so a return URL on it is always allowed.
func sameOrigin(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil || ua.Host == "" || ub.Host == "" || ua.User != nil {
		return false
	}
	if (ua.Scheme != "https" && ua.Scheme != "http") || (ub.Scheme != "https" && ub.Scheme != "http") {
		return false
	}
	return canonicalOrigin(ua) == canonicalOrigin(ub)
}

// canonicalOrigin is scheme://host[:port] in lower case, without the
// scheme's default port.
func canonicalOrigin(u *url.URL) string {
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	if strings.Contains(u.Hostname(), ":") { // IPv6 literal
		host = "[" + strings.ToLower(u.Hostname()) + "]"
		if port != "" {
			host += ":" + port
		}
	}
	return scheme + "://" + host
}

func randomState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CallbackResult is the outcome of the OAuth callback. Redirect is where the
// browser goes ("" when no trustworthy return URL is known: the state was
// unknown, forged or replayed; the caller then shows an error page).
type CallbackResult struct {
	CompanyID string
	Redirect  string
	Status    string // connected | error
	Reason    string // set when Status is error
}

// Callback completes the OAuth round trip from the callback's query. It
// consumes the state first: an unknown, replayed or forged state changes
// nothing and yields Reason invalid_state with no redirect; an expired one
// yields state_expired; Lever's error=access_denied yields access_denied.
// It then exchanges the code, picks the perform-as user, seals and stores the
// tokens (reconnecting replaces tokens and keeps links) and enqueues a first
// postings refresh. redirectURL is the callback URL this request arrived at,
// sent again with the code as Lever requires. It never returns tokens or
// Lever text in the result.
//
// Callback does not check which browser delivers the code: the HTTP
// callback uses CallbackInBrowser.
func (s *Service) Callback(ctx context.Context, redirectURL string, q url.Values) CallbackResult {
	return s.complete(ctx, redirectURL, q, nil)
}

// CallbackInBrowser is Callback for a browser that presents flowCookie (the
// value of FlowCookie it holds, "" for none): once the state is consumed, a
// browser that did not open this flow's start link (the cookie is not the
// state's FlowCookieValue) changes nothing and is sent back with reason
// flow_not_started_in_this_browser, so an admin lured to another company's
// authorize link cannot connect their Lever account to that company.
func (s *Service) CallbackInBrowser(ctx context.Context, redirectURL string, q url.Values, flowCookie string) CallbackResult {
	return s.complete(ctx, redirectURL, q, &flowCookie)
}

func (s *Service) complete(ctx context.Context, redirectURL string, q url.Values, flowCookie *string) CallbackResult {
	stateID := q.Get("state")
	if stateID == "" || len(stateID) > 128 {
		return CallbackResult{Status: "error", Reason: "invalid_state"}
	}
	st, err := s.States.Consume(ctx, stateID)
	if err != nil {
		if !apperr.Is(err, apperr.NotFound) {
			s.log().ErrorContext(ctx, "oauth callback: consume state", "err", err)
			return CallbackResult{Status: "error", Reason: "temporary_error"}
		}
		s.log().WarnContext(ctx, "oauth callback with unknown or replayed state")
		return CallbackResult{Status: "error", Reason: "invalid_state"}
	}
	res := CallbackResult{CompanyID: st.CompanyID}
	fail := func(reason string) CallbackResult {
		res.Status, res.Reason = "error", reason
		res.Redirect = withQuery(st.ReturnURL, url.Values{"status": {"error"}, "reason": {reason}})
		return res
	}
	log := s.log().With("company_id", st.CompanyID)
	if !s.now().Before(st.ExpiresAt) {
		log.WarnContext(ctx, "oauth callback with expired state")
		return fail("state_expired")
	}
	if flowCookie != nil && !CheckFlowCookie(s.FlowKey, st.ID, *flowCookie) {
		log.WarnContext(ctx, "oauth callback from a browser that did not start the flow")
		return fail("flow_not_started_in_this_browser")
	}
	if e := q.Get("error"); e != "" {
		log.InfoContext(ctx, "lever consent not given", "lever_error", e)
		if e == "access_denied" {
			return fail("access_denied")
		}
		return fail("lever_error")
	}
	code := q.Get("code")
	if code == "" {
		return fail("missing_code")
	}
	g, err := s.Lever.Exchange(ctx, st.Environment, code, redirectURL, s.verifier(st.ID))
	if s.Vault.Watch != nil {
		s.Vault.Watch.TokenResult(ctx, err)
	}
	if err != nil {
		log.WarnContext(ctx, "oauth code exchange failed", "err", err)
		if apperr.Is(err, apperr.Transient) || apperr.Is(err, apperr.RateLimited) {
			return fail("temporary_error")
		}
		return fail("exchange_failed")
	}
	user, err := s.performAs(ctx, st, g)
	if err != nil {
		log.WarnContext(ctx, "oauth perform-as user", "err", err)
		if r := apperr.ReasonOf(err); r != "" {
			return fail(r)
		}
		return fail("perform_as_unknown")
	}
	access, err := s.Vault.Sealer.Seal(st.CompanyID, g.AccessToken)
	if err != nil {
		return fail("internal_error")
	}
	refresh, err := s.Vault.Sealer.Seal(st.CompanyID, g.RefreshToken)
	if err != nil {
		return fail("internal_error")
	}
	now := s.now()
	dropLinks := false
	_, err = s.Connections.Update(ctx, st.CompanyID, func(c *Connection) error {
		dropLinks = !SameAccount(*c, g.AccountID)
		c.CompanyID = st.CompanyID
		c.Status = Connected
		c.Environment = st.Environment
		if g.AccountID != "" {
			c.LeverAccountID = g.AccountID
		} else if dropLinks {
			c.LeverAccountID = ""
		}
		c.PerformAsID, c.PerformAsEmail = user.ID, user.Email
		c.SealedAccess, c.SealedRefresh, c.AccessExpiry = access, refresh, g.Expiry
		c.Scopes = g.Scope
		c.ConnectedAt, c.UpdatedAt, c.TokenRefreshedAt = now, now, now
		c.LastError, c.RevokedReason = "", ""
		c.LeaseOwner, c.LeaseUntil = "", time.Time{}
		return nil
	})
	if err != nil {
		log.ErrorContext(ctx, "store connection", "err", err)
		return fail("temporary_error")
	}
	if dropLinks {
		// The links name postings of the Lever account connected before:
		// meaningless in this one.
		n, err := s.Vault.Links.DeleteAll(ctx, st.CompanyID)
		if err != nil {
			log.ErrorContext(ctx, "remove the links of the previous Lever account", "err", err)
			return fail("temporary_error")
		}
		log.InfoContext(ctx, "another Lever account connected; links removed", "links_removed", n)
	}
	if err := s.Refresh.EnqueueRefresh(ctx, st.CompanyID); err != nil {
		// Not fatal: the schedule refreshes within one period.
		log.WarnContext(ctx, "enqueue first postings refresh", "err", err)
	}
	log.InfoContext(ctx, "lever connected", "environment", string(st.Environment), "lever_account_id", g.AccountID, "perform_as_id", user.ID)
	res.Status = "connected"
	res.Redirect = withQuery(st.ReturnURL, url.Values{"status": {"connected"}})
	return res
}

// performAs picks the perform-as user: the admin's explicit performAsEmail
// when given (an explicit choice wins), else the token's user claim. A
// deactivated user is refused with Reason perform_as_deactivated.
func (s *Service) performAs(ctx context.Context, st State, g Grant) (User, error) {
	var (
		u   User
		err error
	)
	switch {
	case st.PerformAsEmail != "":
		u, err = s.Lever.UserByEmail(ctx, st.Environment, g.AccessToken, st.PerformAsEmail)
	case g.UserID != "":
		u, err = s.Lever.UserByID(ctx, st.Environment, g.AccessToken, g.UserID)
	default:
		return User{}, apperr.E(apperr.Invalid, "no perform-as user: give performAsEmail").WithReason("perform_as_required")
	}
	if apperr.Is(err, apperr.NotFound) {
		return User{}, apperr.Wrap(apperr.Invalid, err, "perform-as user not found in Lever").WithReason("perform_as_not_found")
	}
	if err != nil {
		return User{}, err
	}
	if u.Deactivated {
		return User{}, apperr.E(apperr.Invalid, "perform-as user is deactivated in Lever").WithReason("perform_as_deactivated")
	}
	return u, nil
}

// SameAccount is the one rule for "does reconnecting keep the company's
// links": the stored connection never had a Lever account (a first
// connect, or links already removed by a disconnect) or its account id is
// accountID, the id in the new token's claims. When either id is unknown
// the account cannot be proven the same and the links go: a posting id of
// another account is meaningless. Pure.
func SameAccount(stored Connection, accountID string) bool {
	if stored.Version == 0 || stored.LeverAccountID == "" && stored.Status == NotConnected {
		return true
	}
	return stored.LeverAccountID != "" && stored.LeverAccountID == accountID
}

func withQuery(raw string, add url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	q := u.Query()
	for k, vs := range add {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// View is the public status of a connection (GET /connection). It holds no
// tokens.
type View struct {
	Status         Status      `json:"status"`
	Environment    Environment `json:"environment,omitempty"`
	ConnectedAt    *time.Time  `json:"connectedAt,omitempty"`
	PerformAs      *PerformAs  `json:"performAs,omitempty"`
	LeverAccountID string      `json:"leverAccountId,omitempty"`
	LastError      string      `json:"lastError,omitempty"`
	// Scopes are the scopes Lever granted (while connected).
	Scopes []string `json:"scopes,omitempty"`
	// TokenRefreshedAt is when Lever last issued the connection's tokens.
	TokenRefreshedAt *time.Time `json:"tokenRefreshedAt,omitempty"`
	// ReconnectBy is when the grant is expected to end whatever we do:
	// Lever's refresh tokens "expire after one year"; assumed absolute
	// from the consent (ConnectedAt + GrantLifetime).
	ReconnectBy *time.Time `json:"reconnectBy,omitempty"`
	// LinksSuspended is true while the links are kept but inactive
	// (revoked by Lever: reconnecting the same account restores them).
	LinksSuspended bool `json:"linksSuspended,omitempty"`
}

// GrantLifetime is Lever's refresh-token lifetime ("expire after one
// year"), taken as absolute from the consent (LEVER.md ⚠️ assumption).
const GrantLifetime = 365 * 24 * time.Hour

// PerformAs names the Lever user leverlink acts as.
type PerformAs struct {
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
}

// Status returns the company's connection view; a company that never
// connected is not_connected (not an error).
func (s *Service) Status(ctx context.Context, companyID string) (View, error) {
	c, err := s.Connections.Get(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) {
		return View{Status: NotConnected}, nil
	}
	if err != nil {
		return View{}, fmt.Errorf("connection status: %w", err)
	}
	v := View{Status: c.Status, Environment: c.Environment, LeverAccountID: c.LeverAccountID, LastError: c.LastError}
	if v.Status == "" {
		v.Status = NotConnected
	}
	if !c.ConnectedAt.IsZero() && c.Status == Connected {
		t := c.ConnectedAt
		v.ConnectedAt = &t
	}
	if c.Status == Connected {
		v.Scopes = strings.Fields(c.Scopes)
	}
	if c.PerformAsID != "" {
		v.PerformAs = &PerformAs{ID: c.PerformAsID, Email: c.PerformAsEmail}
	}
	if c.Status == Connected || c.Status == PerformAsInactive {
		if t := tokensIssuedAt(c); !t.IsZero() {
			v.TokenRefreshedAt = &t
		}
		if !c.ConnectedAt.IsZero() {
			t := c.ConnectedAt.Add(GrantLifetime)
			v.ReconnectBy = &t
		}
	}
	v.LinksSuspended = c.Status == Revoked
	return v, nil
}

// GrantRevokeInLever is DisconnectView.LeverGrant: Lever documents no token
// revocation endpoint (its OAuth page documents authorize, token and
// refresh only), so leverlink cannot end the grant itself; a Lever Super
// Admin removes the app in Lever's Authorized Apps (docs/runbook.md).
const GrantRevokeInLever = "revoke_in_lever"

// DisconnectView is the answer of DELETE /connection.
type DisconnectView struct {
	Status       Status `json:"status"`       // not_connected
	LinksRemoved int    `json:"linksRemoved"` // links deleted by this call
	LeverGrant   string `json:"leverGrant"`   // revoke_in_lever
	Message      string `json:"message"`
}

// Disconnect deletes the company's tokens, marks it not_connected and
// removes every link; export markers are kept. The grant stays alive at
// Lever until an admin removes the app there (LeverGrant says so).
// Idempotent: disconnecting a company that is not connected succeeds.
func (s *Service) Disconnect(ctx context.Context, companyID string) (DisconnectView, error) {
	_, err := s.Connections.Update(ctx, companyID, func(c *Connection) error {
		if c.Version == 0 {
			return apperr.E(apperr.NotFound, "no connection")
		}
		c.Status = NotConnected
		c.RevokedReason = ReasonDisconnected
		c.LastError = ""
		c.PerformAsID, c.PerformAsEmail = "", ""
		clearTokens(c)
		c.UpdatedAt = s.now()
		return nil
	})
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return DisconnectView{}, fmt.Errorf("disconnect: %w", err)
	}
	n, err := s.Vault.Links.DeleteAll(ctx, companyID)
	if err != nil {
		return DisconnectView{}, fmt.Errorf("disconnect: remove links: %w", err)
	}
	s.log().InfoContext(ctx, "lever disconnected", "company_id", companyID, "links_removed", n)
	return DisconnectView{
		Status: NotConnected, LinksRemoved: n, LeverGrant: GrantRevokeInLever,
		Message: "leverlink deleted its Lever tokens. Lever offers no way for an app to end its grant: " +
			"a Lever Super Admin removes the app from Authorized Apps in Lever's settings.",
	}, nil
}
