package leverfake

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leverlink/leverlink/shared/lever"
)

// Default OAuth client credentials registered with a new Fake.
const (
	DefaultClientID     = "leverfake-client"
	DefaultClientSecret = "leverfake-secret"
)

// Options configure a Fake. Zero values take the documented defaults.
type Options struct {
	ClientID     string // registered OAuth client; DefaultClientID
	ClientSecret string // DefaultClientSecret
	// RedirectURIs, when set, are the only redirect_uri values accepted;
	// any is accepted when empty.
	RedirectURIs []string
	HireBase     string        // base of urls.show; "https://hire.lever.co"
	TokenTTL     time.Duration // access token lifetime; 1h
	Rate         float64       // token bucket refill per second per account; 10
	Burst        int           // token bucket size; 20
	NoRateLimit  bool          // disable the token bucket
	Seed         uint64        // RNG seed for faults, jitter and ids; 1
	// Now is the clock; time.Now when nil. Advance moves it forward.
	Now func() time.Time
	// RefreshIdle is how long an unused refresh token lives: "Refresh
	// tokens will expire after one year or after 90 days of inactivity"
	// (docs #authentication, OAuth step 5); 90 days.
	RefreshIdle time.Duration
	// RefreshLifetime is the absolute lifetime of a grant's refresh tokens,
	// counted from the authorization (1 year). Assumption: the docs' "one
	// year" is per grant, not per rotated token (LEVER.md Turn 2 ⚠️).
	RefreshLifetime time.Duration
}

// Fake is an in-memory Lever. It implements http.Handler and is safe for
// concurrent use. Create it with New.
type Fake struct {
	mu       sync.Mutex
	opts     Options
	now      func() time.Time
	rng      *mrand.Rand
	mux      *http.ServeMux
	adminMux *http.ServeMux

	accounts       map[string]*account
	accountOrder   []string
	consentAccount string
	denyConsent    string // non-empty: deny with this description

	codes   map[string]*authCode
	access  map[string]*accessGrant
	refresh map[string]*refreshGrant
	spent   map[string]spentToken // rotated refresh token -> its family
	offset  atomic.Int64          // Advance: added to the base clock

	counters map[string]int
	faults   map[string]Faults
	failNext map[string][]Failure
	latency  time.Duration
	jitter   time.Duration
	tokenTTL time.Duration
	rate     float64
	burst    int
	rateOff  bool
	lastForm map[string][]string
}

// New returns a Fake with no accounts (the first authorize creates a
// default one if none was made).
func New(opts Options) *Fake {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.HireBase == "" {
		opts.HireBase = "https://hire.lever.co"
	}
	opts.HireBase = strings.TrimRight(opts.HireBase, "/")
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.Rate <= 0 {
		opts.Rate = 10
	}
	if opts.Burst <= 0 {
		opts.Burst = 20
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.RefreshIdle <= 0 {
		opts.RefreshIdle = 90 * 24 * time.Hour
	}
	if opts.RefreshLifetime <= 0 {
		opts.RefreshLifetime = 365 * 24 * time.Hour
	}
	base := opts.Now
	if base == nil {
		base = time.Now
	}
	f := &Fake{
		opts:     opts,
		rng:      mrand.New(mrand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		accounts: map[string]*account{},
		codes:    map[string]*authCode{},
		access:   map[string]*accessGrant{},
		refresh:  map[string]*refreshGrant{},
		spent:    map[string]spentToken{},
		counters: map[string]int{},
		faults:   map[string]Faults{},
		failNext: map[string][]Failure{},
		tokenTTL: opts.TokenTTL,
		rate:     opts.Rate,
		burst:    opts.Burst,
		rateOff:  opts.NoRateLimit,
	}
	f.now = func() time.Time { return base().Add(time.Duration(f.offset.Load())) }
	f.routes()
	f.adminRoutes()
	return f
}

// Advance moves the fake's clock forward by d (token, code and refresh-token
// expiry, timestamps, rate buckets) and returns the new time. Safe for
// concurrent use.
func (f *Fake) Advance(d time.Duration) time.Time {
	if d > 0 {
		f.offset.Add(int64(d))
	}
	return f.now()
}

// Now returns the fake's current time.
func (f *Fake) Now() time.Time { return f.now() }

// ServeHTTP serves Lever's paths (/authorize, /oauth/token, /v1/...) and the
// admin surface (/_admin/...).
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_admin/") {
		f.adminMux.ServeHTTP(w, r)
		return
	}
	if !f.delay(r) {
		return
	}
	f.mux.ServeHTTP(w, r)
}

// EndpointsAt returns Lever endpoints pointing at a Fake served at baseURL
// (e.g. "http://127.0.0.1:8765").
func EndpointsAt(baseURL string) lever.Endpoints {
	b := strings.TrimRight(baseURL, "/")
	return lever.Endpoints{
		AuthURL:  b + "/authorize",
		TokenURL: b + "/oauth/token",
		APIBase:  b + "/v1",
		Audience: b + "/v1/",
	}
}

// TestServer is a Fake served by an httptest.Server.
type TestServer struct {
	*Fake
	*httptest.Server
}

// Start serves a new Fake on a local port; call Close when done.
func Start(opts Options) *TestServer {
	f := New(opts)
	return &TestServer{Fake: f, Server: httptest.NewServer(f)}
}

// StartRegion serves the same Fake on a second local port, standing for
// another Lever data center, and homes acc there: its API calls and token
// refreshes reaching the first listener are redirected (307) to this one.
// The caller closes the returned server.
func (ts *TestServer) StartRegion(acc *Account) *httptest.Server {
	srv := httptest.NewServer(ts.Fake)
	ts.SetHome(acc.ID, srv.URL)
	return srv
}

// Endpoints returns Lever endpoints pointing at the test server.
func (ts *TestServer) Endpoints() lever.Endpoints { return EndpointsAt(ts.URL) }

// newID returns a UUID-shaped id from the seeded RNG. Call with f.mu held.
func (f *Fake) newID() string {
	a, b := f.rng.Uint64(), f.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

// secret returns an unguessable token string.
func secret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (f *Fake) nowMillis() int64 { return f.now().UnixMilli() }
