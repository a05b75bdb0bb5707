package setup

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

const company = "acme"

// stack is a whole local leverlink served over real HTTP, with a vendor
// site allowed to frame the page and another site that is not.
type stack struct {
	*apptest.Env
	Acct      *leverfake.Account
	Base      string // the api's origin: /v1, /setup/, /oauth/lever/callback
	Vendor    string // an allowed return (and framing) origin
	Stranger  string // an origin that is not allowed
	Postings  map[string]string
	SessionID string // the last session's sessionId (its settings audit id)
	artifacts string
	shot      int
}

// newStack starts the stack; it skips with -short.
func newStack(t *testing.T) *stack {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: needs Chromium and the emulators (skipped with -short)")
	}
	var api atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	framer := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>vendor</title><h1>Vendor settings</h1><iframe id="lever" title="Lever setup" width="420" height="640" src="%s"></iframe>`,
			strings.ReplaceAll(r.URL.Query().Get("src"), `"`, ""))
	}
	vendor := httptest.NewServer(http.HandlerFunc(framer))
	t.Cleanup(vendor.Close)
	stranger := httptest.NewServer(http.HandlerFunc(framer))
	t.Cleanup(stranger.Close)

	callback := srv.URL + "/oauth/lever/callback"
	e := apptest.New(t,
		apptest.WithFake(leverfake.Options{NoRateLimit: true, RedirectURIs: []string{callback}}),
		apptest.WithConfig(func(c *config.Config) {
			c.LeverRedirectURL = callback
			c.AllowedReturnOrigins = []string{vendor.URL}
		}))
	mux := http.NewServeMux()
	mux.Handle("GET /oauth/lever/callback", e.Callback)
	mux.Handle("GET "+httpapi.StartPath, e.Callback) // the start link the Connect button navigates to
	mux.Handle("/", e.API)
	api.Store(http.Handler(mux))

	// Refresh requests (the first refresh after a connect) run as they are
	// made, as Lambda's asynchronous invocations.
	acct := e.Fake.NewAccount("Acme")
	e.Fake.SetConsentAccount(acct.ID)
	ps := map[string]string{}
	for _, p := range []leverfake.Posting{
		{Text: "Backend Engineer", State: "published", Categories: leverfake.Categories{Team: "Platform", Location: "Berlin"}},
		{Text: "Frontend Engineer", State: "published", Categories: leverfake.Categories{Team: "Web", Location: "Remote"}},
		{Text: "Data Analyst", State: "internal", Categories: leverfake.Categories{Team: "Data", Location: "Paris"}},
		{Text: "Legacy Support Engineer", State: "closed", Categories: leverfake.Categories{Team: "Support", Location: "Lyon"}},
	} {
		ps[p.Text] = acct.AddPosting(p).ID
	}
	dir := filepath.Join(os.Getenv("LEVERLINK_ARTIFACTS"), "setup", t.Name())
	if os.Getenv("LEVERLINK_ARTIFACTS") == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &stack{Env: e, Acct: acct, Base: srv.URL, Vendor: vendor.URL, Stranger: stranger.URL, Postings: ps, artifacts: dir}
}

// positions are the vendor's positions sent with every session.
var positions = []map[string]string{
	{"id": "pos-backend", "title": "Senior Backend Developer", "location": "Berlin"},
	{"id": "pos-frontend", "title": "Frontend Developer", "location": "Remote"},
	{"id": "pos-data", "title": "Data Analyst"},
}

// session mints a setup session through the management API.
func (s *stack) session(t *testing.T) string {
	t.Helper()
	var out struct {
		URL       string    `json:"url"`
		ExpiresAt time.Time `json:"expiresAt"`
		SessionID string    `json:"sessionId"`
	}
	body := map[string]any{"returnUrl": s.Vendor + "/settings/ats", "positions": positions}
	if code := s.Do("POST", "/v1/companies/"+company+"/setup-sessions", body, &out); code != http.StatusCreated {
		t.Fatalf("POST setup-sessions: %d", code)
	}
	if !strings.HasPrefix(out.URL, s.Base+"/setup?s=") || time.Until(out.ExpiresAt) > time.Hour {
		t.Fatalf("session = %+v", out)
	}
	s.SessionID = out.SessionID
	return out.URL
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not on PATH: run infra/browser/install.sh (make deps does)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1024, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// stepTimeout bounds one browser step. It is a hang guard, not a speed
// target: on a loaded 2-core CI machine Chromium and the emulators share
// the CPU with other test packages, and a step that waits for the page's
// fetches once took longer than 20 s there.
const stepTimeout = 60 * time.Second

// run runs actions with a deadline and fails the test on error, after a
// screenshot of the failure.
func (s *stack) run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		s.screenshot(t, ctx, "failed-"+what)
		t.Fatalf("%s: %v\nlogs:\n%s", what, err, tail(s.Logs.String(), 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// screenshot saves the page as NN-name.png in the artifacts folder.
func (s *stack) screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	s.shot++
	p := filepath.Join(s.artifacts, fmt.Sprintf("%02d-%s.png", s.shot, name))
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// waitText waits until the element's text contains want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var (
			got string
			err error
		)
		for {
			c, cancel := context.WithTimeout(ctx, time.Second)
			got, err = chromedp.Text(chromedp.CSS(sel))(c, tg)
			cancel()
			if err == nil && strings.Contains(got, want) {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: text %q does not contain %q (%w)", sel, got, want, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// links returns the company's links by position (the management API).
func (s *stack) links(t *testing.T) map[string]map[string]any {
	t.Helper()
	var out struct {
		Links []map[string]any `json:"links"`
	}
	if code := s.Do("GET", "/v1/companies/"+company+"/links", nil, &out); code != 200 {
		t.Fatalf("GET links: %d", code)
	}
	m := map[string]map[string]any{}
	for _, l := range out.Links {
		m[l["positionId"].(string)] = l
	}
	return m
}

// settings changes the company's connection settings in the store (no
// route sets them yet).
func (s *stack) settings(t *testing.T, fn func(*connection.Connection)) {
	t.Helper()
	if _, err := s.App.Connections.Update(context.Background(), company, func(c *connection.Connection) error { fn(c); return nil }); err != nil {
		t.Fatal(err)
	}
}

// get runs one action that returns a value; it fails the test on error.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(c, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}
