package lever

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Config configures a Client for one connection (one Lever account).
type Config struct {
	// BaseURL is the API base, e.g. Endpoints.APIBase. Defaults to the
	// production API.
	BaseURL string
	// HTTPClient sends the requests; a client with a 30s timeout when nil.
	// It is copied, never modified: the copy refuses redirects on writes.
	HTTPClient *http.Client
	// Tokens supplies the bearer token for each request. Required.
	Tokens TokenProvider
	// PerformAs is the Lever user id sent as perform_as on writes. Required
	// for CreateOpportunity and UploadFile; optional elsewhere.
	PerformAs string
	// OnCall, when set, is called after every HTTP attempt with the endpoint
	// label ("POST /opportunities"), the status (0 when no response) and the
	// attempt's duration. It must be safe for concurrent use.
	OnCall func(endpoint string, status int, dur time.Duration)
	// Limiter, when set, is waited on before every HTTP attempt (e.g. the
	// per-company token bucket shared by all instances).
	Limiter Limiter
	// Retry tunes retries (see RetryPolicy); zero values take defaults.
	Retry RetryPolicy
	// UserAgent overrides the User-Agent header.
	UserAgent string
	// RedirectHosts are extra hosts ("host:port") redirects may lead to,
	// for tests and the local stack; by default only https hosts under
	// lever.co are followed.
	RedirectHosts []string
}

// Limiter paces requests to Lever. Wait blocks until one request may be sent
// or returns an error (typically when ctx ends).
type Limiter interface {
	Wait(ctx context.Context) error
}

// RetryPolicy tunes the client's retries: idempotent calls (GETs and the
// stage change) on apperr.Transient, and every call, writes included, on
// apperr.RateLimited (a 429 is refused before anything is applied). Other
// failures of non-idempotent POSTs are never retried by the client.
type RetryPolicy struct {
	MaxAttempts int           // total attempts including the first; default 3
	BaseDelay   time.Duration // first backoff; default 200ms, doubled per attempt, jittered
	MaxDelay    time.Duration // cap on one backoff; default 5s
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 3
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 5 * time.Second
	}
	return p
}

// Client calls Lever's Data API for one connection. It is safe for
// concurrent use; create one per connection and reuse it.
type Client struct {
	base      string
	hc        *http.Client
	tokens    TokenProvider
	performAs string
	onCall    func(string, int, time.Duration)
	limiter   Limiter
	retry     RetryPolicy
	ua        string
	redirects redirectPolicy
}

const defaultUserAgent = "leverlink (+https://github.com/leverlink/leverlink)"

// New returns a Client for cfg. A missing Tokens provider is reported by
// every call as apperr.Internal.
func New(cfg Config) *Client {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = "https://api.lever.co/v1"
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	} else {
		hc.Timeout = 30 * time.Second
	}
	// Go would replay a redirected POST as a GET and drop Authorization
	// across hosts: redirects are followed by attempt, not by net/http.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ua := cfg.UserAgent
	if ua == "" {
		ua = defaultUserAgent
	}
	return &Client{
		base:      base,
		hc:        &hc,
		tokens:    cfg.Tokens,
		performAs: cfg.PerformAs,
		onCall:    cfg.OnCall,
		limiter:   cfg.Limiter,
		retry:     cfg.Retry.withDefaults(),
		ua:        ua,
		redirects: newRedirectPolicy(cfg.RedirectHosts),
	}
}

// request describes one API call.
type request struct {
	method      string
	path        string // escaped, relative to base: "/opportunities/abc/notes"
	label       string // "POST /opportunities/:id/notes"
	query       url.Values
	body        []byte
	contentType string
	idempotent  bool
}

// do sends r and decodes a 2xx JSON body into out (if non-nil). It retries
// idempotent requests on transient errors, any request on 429 (Lever applied
// nothing), and any request once after a 401 with a fresh token.
func (c *Client) do(ctx context.Context, r request, out any) error {
	if c.tokens == nil {
		return apperr.E(apperr.Internal, "lever: client has no token provider")
	}
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, r, u, out)
		if err == nil {
			return nil
		}
		e := apperr.As(err)
		if e == nil {
			return err
		}
		if e.Code == apperr.Unauthorized && e.Reason == "http_401" {
			if !refreshed {
				refreshed = true
				attempt-- // the refresh retry is free
				continue
			}
			e.Reason = "token_rejected"
			return e
		}
		// A 429 is refused before anything is applied, so even a write may
		// be sent again (after Retry-After); other errors retry reads only.
		retryable := e.Code == apperr.RateLimited || (r.idempotent && e.Code == apperr.Transient)
		if !retryable || attempt >= c.retry.MaxAttempts {
			return e
		}
		if !c.sleep(ctx, c.backoff(attempt, e.RetryAfter)) {
			return e
		}
	}
}

// attempt sends one HTTP request. A 401 is returned as Unauthorized with the
// internal Reason "http_401" after invalidating the token.
func (c *Client) attempt(ctx context.Context, r request, u string, out any) error {
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			if apperr.As(err) != nil {
				return err
			}
			return apperr.Wrap(apperr.Transient, err, "lever %s: rate limiter", r.label)
		}
	}
	token, err := c.tokens.AccessToken(ctx)
	if err != nil {
		return err
	}
	resp, start, err := c.send(ctx, r, u, token)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.report(r.label, resp.StatusCode, start)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := statusError(r.label, resp.StatusCode, resp.Header, data, time.Now())
		if resp.StatusCode == http.StatusUnauthorized {
			c.tokens.Invalidate(ctx, token)
			e.Reason = "http_401"
		}
		return e
	}
	if readErr != nil {
		// The write (if any) was applied but we lost the answer.
		return apperr.Wrap(apperr.Transient, transportError(readErr), "lever %s: response lost after %d", r.label, resp.StatusCode)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return apperr.E(apperr.Internal, "lever %s: undecodable %d response", r.label, resp.StatusCode)
	}
	return nil
}

const maxResponseBytes = 32 << 20

// send sends r to u and follows 301/302/307/308 redirects itself, to
// allowed hosts only (redirectPolicy), with the same method, body and
// Authorization on every hop: Lever answered without applying anything,
// so replaying a write to the new address is what the redirect asks.
// (For 301/302 RFC 9110 lets a client switch a POST to GET; that would drop
// the write, so the method is kept — an assumption, Lever documents no
// redirected write.) A redirect elsewhere is refused before any token is
// sent there.
func (c *Client) send(ctx context.Context, r request, u, token string) (*http.Response, time.Time, error) {
	for hop := 0; ; hop++ {
		var body io.Reader
		if r.body != nil {
			body = bytes.NewReader(r.body)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, u, body)
		if err != nil {
			return nil, time.Time{}, apperr.E(apperr.Internal, "lever %s: building request failed", r.label)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.ua)
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		start := time.Now()
		resp, err := c.hc.Do(req)
		if err != nil {
			c.report(r.label, 0, start)
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, start, apperr.Wrap(apperr.Transient, ctxErr, "lever %s: no response before the context ended", r.label)
			}
			return nil, start, apperr.Wrap(apperr.Transient, transportError(err), "lever %s: connection failed", r.label)
		}
		if !isRedirect(resp.StatusCode) || resp.Header.Get("Location") == "" {
			return resp, start, nil
		}
		c.report(r.label, resp.StatusCode, start)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		next, err := req.URL.Parse(resp.Header.Get("Location"))
		if err != nil || !c.redirects.allowed(next) {
			return nil, start, apperr.E(apperr.Transient, "lever %s: redirect (%d) to a host outside lever.co refused", r.label, resp.StatusCode).WithReason("redirect_refused")
		}
		if hop+1 >= maxRedirects {
			return nil, start, apperr.E(apperr.Transient, "lever %s: more than %d redirects", r.label, maxRedirects)
		}
		u = next.String()
	}
}

func (c *Client) report(label string, status int, start time.Time) {
	if c.onCall != nil {
		c.onCall(label, status, time.Since(start))
	}
}

// backoff returns the wait before attempt+1: jittered exponential, or the
// server's Retry-After when longer.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := c.retry.BaseDelay << (attempt - 1)
	if d > c.retry.MaxDelay || d <= 0 {
		d = c.retry.MaxDelay
	}
	d = d/2 + rand.N(d/2+1) // "equal jitter"
	if retryAfter > d {
		d = retryAfter
	}
	return d
}

// sleep waits d unless ctx would end first; it reports whether to go on.
func (c *Client) sleep(ctx context.Context, d time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Page is one page of a Lever list: Next is the opaque offset for the next
// page, valid only when HasNext.
type Page[T any] struct {
	Data    []T    `json:"data"`
	Next    string `json:"next"`
	HasNext bool   `json:"hasNext"`
}

// envelope is Lever's single-object response.
type envelope[T any] struct {
	Data T `json:"data"`
}

// maxPages guards against a server that never stops paging.
const maxPages = 10000

// getPage fetches one page of a list endpoint.
func getPage[T any](ctx context.Context, c *Client, path, label string, q url.Values, offset string) (Page[T], error) {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	if offset != "" {
		q2.Set("offset", offset)
	}
	var p Page[T]
	err := c.do(ctx, request{method: http.MethodGet, path: path, label: label, query: q2, idempotent: true}, &p)
	return p, err
}

// listAll follows next/hasNext and returns every item.
func listAll[T any](ctx context.Context, c *Client, path, label string, q url.Values) ([]T, error) {
	var all []T
	offset := ""
	for range maxPages {
		p, err := getPage[T](ctx, c, path, label, q, offset)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Data...)
		if !p.HasNext || p.Next == "" || p.Next == offset {
			return all, nil
		}
		offset = p.Next
	}
	return nil, apperr.E(apperr.Internal, "lever %s: more than %d pages", label, maxPages)
}

// performAsQuery returns a query with perform_as set, or an Invalid error if
// required and not configured.
func (c *Client) performAsQuery(required bool) (url.Values, error) {
	q := url.Values{}
	if c.performAs != "" {
		q.Set("perform_as", c.performAs)
	} else if required {
		return nil, apperr.InvalidField("perform_as", "lever: a perform_as user is required for this call")
	}
	return q, nil
}

// pathID escapes one id for use as a path segment.
func pathID(id string) string { return url.PathEscape(id) }

// requireID returns an Invalid error naming field when id is empty.
func requireID(field, id string) error {
	if strings.TrimSpace(id) == "" {
		return apperr.InvalidField(field, "lever: %s is required", field)
	}
	return nil
}
