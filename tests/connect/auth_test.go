package connect_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/secret"
)

// routes lists every management route with a body that passes decoding,
// for the auth and scoping tables.
var routes = []struct{ method, path, body string }{
	{"POST", "/connection/authorize", `{"returnUrl":"` + apptest.ReturnURL + `"}`},
	{"GET", "/connection", ""},
	{"DELETE", "/connection", ""},
	{"GET", "/postings", ""},
	{"POST", "/postings/reload", ""},
	{"GET", "/links", ""},
	{"PUT", "/links/pos-1", `{"postingId":"p1"}`},
	{"DELETE", "/links/pos-1", ""},
	{"POST", "/candidates/cand-1/export", `{"candidate":{"id":"cand-1"}}`},
	{"GET", "/candidates/cand-1/export", ""},
	{"GET", "/exports?state=failed", ""},
	{"POST", "/exports/cand-1/retry", `{}`},
}

// TestAPIKeys: missing, malformed and wrong keys are 401 with the JSON
// envelope on every route and reach no handler; each configured key works.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	const padded = "c2VjcmV0LWtleS13aXRoLXBhZGRpbmctMTIzNDU2Nzg5MA==" // openssl rand -base64 style
	e, _ := newEnv(t, apptest.WithAPIKeys(apptest.APIKey+", second-key-abc\n"+padded))
	srv := apiServer(t, e.API)

	for _, rt := range routes {
		for _, tc := range []struct {
			name, key, reason string
		}{
			{"missing", "", "missing_key"},
			{"empty bearer", "raw:Bearer ", "missing_key"},
			{"blank bearer", "raw:Bearer    ", "missing_key"},
			{"other scheme", "raw:Basic " + apptest.APIKey, "missing_key"},
			{"no scheme", "raw:" + apptest.APIKey, "missing_key"},
			{"wrong", "wrong-key", "invalid_key"},
			{"prefix of a key", apptest.APIKey[:10], "invalid_key"},
			{"key with suffix", apptest.APIKey + "x", "invalid_key"},
			{"two keys", apptest.APIKey + ",second-key-abc", "invalid_key"},
		} {
			r := send(t, srv.URL, tc.key, rt.method, "/v1/companies/acme"+rt.path, rt.body)
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s %s with a %s key: got %d, want 401", rt.method, rt.path, tc.name, r.status)
				continue
			}
			d := r.envelope(t)
			if d.Code != "unauthorized" || d.Reason != tc.reason {
				t.Errorf("%s %s with a %s key: got %+v, want code unauthorized reason %s", rt.method, rt.path, tc.name, d, tc.reason)
			}
			if strings.Contains(string(r.body), apptest.APIKey) {
				t.Errorf("the 401 body echoes a key")
			}
		}
	}
	if rawConnection(t, e, "acme") != nil || len(scanAll(t, e)[e.App.Config.EventsTable]) != 0 {
		t.Errorf("unauthenticated requests stored something")
	}

	for _, key := range []string{apptest.APIKey, "second-key-abc", padded, "raw:bearer " + apptest.APIKey, "raw:Bearer  " + apptest.APIKey + " "} {
		if r := send(t, srv.URL, key, "GET", "/v1/companies/acme/connection", ""); r.status != http.StatusOK {
			t.Errorf("key %.12q…: got %d %s, want 200", key, r.status, r.body)
		}
	}
	if logs := e.Logs.String(); strings.Contains(logs, apptest.APIKey) || strings.Contains(logs, padded) {
		t.Errorf("an API key appears in the logs")
	}
}

// TestCompanyIDValidated: malformed company ids are 400 naming companyId.
func TestCompanyIDValidated(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	srv := apiServer(t, e.API)
	for _, id := range []string{strings.Repeat("a", 129), "a%20b", "a%23b", "a%2Fb", "a%3Fb", "a%00b"} {
		r := send(t, srv.URL, apptest.APIKey, "GET", "/v1/companies/"+id+"/connection", "")
		if r.status != http.StatusBadRequest {
			t.Errorf("companyId %.20q: got %d, want 400", id, r.status)
			continue
		}
		if d := r.envelope(t); d.Code != "invalid" || d.Field != "companyId" {
			t.Errorf("companyId %.20q: got %+v, want invalid companyId", id, d)
		}
	}
}

// TestCompanyScopedKeys: a key scoped to one company never reaches another
// company's data, on any route, however the path is spelled.
func TestCompanyScopedKeys(t *testing.T) {
	t.Parallel()
	const acmeKey, betaKey = "acme-key-123", "beta-key-456"
	e, acct := newEnv(t, apptest.WithAPIKeys(apptest.APIKey+",acme="+acmeKey+",beta="+betaKey+
		",acme=shared-key,beta=shared-key,gamma=cGFkZGVk=="))
	srv := apiServer(t, e.API)
	mustConnect(t, e, "beta")
	betaLinks := linkAll(t, e, "beta")
	betaItem := rawConnection(t, e, "beta")
	_ = acct

	for _, rt := range routes {
		r := send(t, srv.URL, acmeKey, rt.method, "/v1/companies/beta"+rt.path, rt.body)
		if r.status != http.StatusForbidden {
			t.Errorf("acme's key on %s beta%s: got %d %s, want 403", rt.method, rt.path, r.status, r.body)
			continue
		}
		if d := r.envelope(t); d.Code != "forbidden" || d.Reason != "wrong_company" {
			t.Errorf("acme's key on %s beta%s: got %+v, want forbidden wrong_company", rt.method, rt.path, d)
		}
		for _, leak := range append([]string{acct.ID}, betaLinks...) {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("403 body of %s %s leaks beta's data %q", rt.method, rt.path, leak)
			}
		}
	}
	// Path spellings that might land on beta.
	for _, p := range []string{
		"/v1/companies/acme/../beta/connection",
		"/v1/companies/acme/%2E%2E/beta/connection",
		"/v1/companies/acme%2F..%2Fbeta/connection",
		"/v1/companies/BETA/connection",
		"/v1/companies/beta%20/connection",
		"//v1/companies/beta/connection",
	} {
		r := send(t, srv.URL, acmeKey, "DELETE", p, "")
		if r.status < 300 {
			t.Errorf("acme's key on DELETE %s: got %d, want a refusal", p, r.status)
		}
	}
	// beta is untouched.
	if v := view(t, e, "beta"); v.Status != connection.Connected {
		t.Errorf("beta after acme's attempts: got %q, want connected", v.Status)
	}
	if got := links(t, e, "beta"); len(got) != len(betaLinks) {
		t.Errorf("beta's links after acme's attempts: got %v, want %v", got, betaLinks)
	}
	if got, want := fmt.Sprint(rawConnection(t, e, "beta")["version"]), fmt.Sprint(betaItem["version"]); got != want {
		t.Errorf("beta's connection item changed (version %v → %v)", want, got)
	}

	// Each scoped key works for its own company, the vendor key for both.
	for _, tc := range []struct {
		key, company string
		want         int
	}{
		{acmeKey, "acme", 200}, {betaKey, "beta", 200}, {betaKey, "acme", 403},
		{apptest.APIKey, "acme", 200}, {apptest.APIKey, "beta", 200},
		// One key listed for two companies works for both, not just the last.
		{"shared-key", "acme", 200}, {"shared-key", "beta", 200}, {"shared-key", "gamma", 403},
		// A scoped key may itself end in base64 padding.
		{"cGFkZGVk==", "gamma", 200}, {"cGFkZGVk==", "acme", 403},
	} {
		if r := send(t, srv.URL, tc.key, "GET", "/v1/companies/"+tc.company+"/connection", ""); r.status != tc.want {
			t.Errorf("key %s on %s: got %d, want %d", tc.key, tc.company, r.status, tc.want)
		}
	}
}

// TestKeyRotation: keys come from one secret holding a list; a rotation
// (add the new key, roll clients, remove the old one) reaches running
// instances without a restart and without a moment where no key works.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	src := &mutableSecret{v: "old-key-1"}
	keys := &httpapi.CachedKeys{Source: httpapi.KeyFunc(func(ctx context.Context) ([]string, error) {
		return secret.Keys(ctx, src, "/test/api-keys")
	}), TTL: 20 * time.Millisecond}
	srv := apiServer(t, e.App.API(keys).Handler())
	status := func(key string) int {
		return send(t, srv.URL, key, "GET", "/v1/companies/acme/connection", "").status
	}
	settle := func() { time.Sleep(40 * time.Millisecond) }

	steps := []struct {
		name, secret string
		err          error
		want         map[string]int
	}{
		{"before", "old-key-1", nil, map[string]int{"old-key-1": 200, "new-key-2": 401}},
		{"new key added", "old-key-1,new-key-2", nil, map[string]int{"old-key-1": 200, "new-key-2": 200}},
		{"SSM unavailable keeps the last list", "", errors.New("ssm down"), map[string]int{"old-key-1": 200, "new-key-2": 200}},
		{"old key removed", "new-key-2", nil, map[string]int{"old-key-1": 401, "new-key-2": 200}},
	}
	for _, st := range steps {
		src.set(st.secret, st.err)
		settle()
		for key, want := range st.want {
			if got := status(key); got != want {
				t.Errorf("%s: key %s got %d, want %d", st.name, key, got, want)
			}
		}
	}

	// A cold instance with no readable key list answers 503, never 200.
	src.set("", errors.New("ssm down"))
	cold := apiServer(t, e.App.API(&httpapi.CachedKeys{Source: httpapi.KeyFunc(func(ctx context.Context) ([]string, error) {
		return secret.Keys(ctx, src, "/test/api-keys")
	})}).Handler())
	r := send(t, cold.URL, "new-key-2", "GET", "/v1/companies/acme/connection", "")
	if r.status != http.StatusServiceUnavailable || r.envelope(t).Code != "transient" {
		t.Errorf("no key list: got %d %s, want 503 transient", r.status, r.body)
	}
	if strings.Contains(string(r.body), "ssm down") {
		t.Errorf("503 body leaks the internal error: %s", r.body)
	}
}

type mutableSecret struct {
	mu  sync.Mutex
	v   string
	err error
}

func (m *mutableSecret) set(v string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		m.v = v
	}
	m.err = err
}

func (m *mutableSecret) Get(context.Context, string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.v, m.err
}
