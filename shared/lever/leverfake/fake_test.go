package leverfake_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// call does one raw HTTP request and returns the status, header and body.
func call(t testing.TB, c *http.Client, method, u, token, ct string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func start(t testing.TB, opts leverfake.Options) (*leverfake.TestServer, *leverfake.Account, string) {
	t.Helper()
	ts := leverfake.Start(opts)
	t.Cleanup(ts.Close)
	a := ts.NewAccount("Acme Corp")
	return ts, a, a.Authorize().AccessToken
}

func TestLeverRules(t *testing.T) {
	ts, a, tok := start(t, leverfake.Options{NoRateLimit: true})
	gone := a.AddUser(leverfake.User{Email: "gone@acme.example"})
	a.DeactivateUser(gone.ID)
	api := ts.URL + "/v1"
	pa := "?perform_as=" + a.AdminID()
	tests := []struct {
		name, method, path, token, ct, body string
		want                                int
		wantCode                            string
	}{
		{"no token", "GET", "/stages", "", "", "", 401, "UnauthorizedError"},
		{"bad token", "GET", "/stages", "nope", "", "", 401, "UnauthorizedError"},
		{"stages", "GET", "/stages", tok, "", "", 200, ""},
		{"unknown path", "GET", "/nothing", tok, "", "", 404, "ResourceNotFound"},
		{"create without perform_as", "POST", "/opportunities", tok, "application/json", `{}`, 400, "BadRequestError"},
		{"create with deactivated perform_as", "POST", "/opportunities?perform_as=" + gone.ID, tok, "application/json", `{}`, 400, "BadRequestError"},
		{"create with unknown field", "POST", "/opportunities" + pa, tok, "application/json", `{"email":"x"}`, 400, "BadRequestError"},
		{"create with two postings", "POST", "/opportunities" + pa, tok, "application/json", `{"postings":["a","b"]}`, 400, "BadRequestError"},
		{"create with bad origin", "POST", "/opportunities" + pa, tok, "application/json", `{"origin":"web"}`, 400, "BadRequestError"},
		{"create in the future", "POST", "/opportunities" + pa, tok, "application/json", fmt.Sprintf(`{"createdAt":%d}`, time.Now().Add(time.Hour).UnixMilli()), 400, "BadRequestError"},
		{"create", "POST", "/opportunities" + pa, tok, "application/json", `{"name":"Ada"}`, 201, ""},
		{"files without perform_as", "POST", "/opportunities/x/files", tok, "multipart/form-data; boundary=b", "--b--", 400, "BadRequestError"},
		{"missing opportunity", "GET", "/opportunities/none", tok, "", "", 404, "ResourceNotFound"},
		{"bad limit", "GET", "/postings?limit=101", tok, "", "", 400, "BadRequestError"},
		{"bad offset", "GET", "/postings?offset=zzz", tok, "", "", 400, "BadRequestError"},
		{"bad confidentiality", "GET", "/postings?confidentiality=some", tok, "", "", 400, "BadRequestError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, ts.Client(), tt.method, api+tt.path, tt.token, tt.ct, strings.NewReader(tt.body))
			if status != tt.want {
				t.Fatalf("status = %d (%s), want %d", status, body, tt.want)
			}
			var e struct{ Code, Message string }
			_ = json.Unmarshal(body, &e)
			if e.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", e.Code, tt.wantCode)
			}
			if tt.wantCode != "" && e.Message == "" {
				t.Error("error without message")
			}
		})
	}
}

func TestAuthorizeAndToken(t *testing.T) {
	ts, a, _ := start(t, leverfake.Options{NoRateLimit: true, RedirectURIs: []string{"https://app.example/cb"}})
	other := ts.NewAccount("Other")
	nf := *ts.Client()
	nf.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"client_id": {leverfake.DefaultClientID}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"},
		"state": {"st"}, "audience": {"aud/"}, "scope": {"offline_access users:read:admin"}}
	with := func(k, v string) string {
		c := url.Values{}
		for kk, vv := range q {
			c[kk] = vv
		}
		if v == "" {
			c.Del(k)
		} else {
			c.Set(k, v)
		}
		return ts.URL + "/authorize?" + c.Encode()
	}
	tests := []struct {
		name, url string
		status    int
		errParam  string
	}{
		{"ok", with("state", "st"), 302, ""},
		{"unknown client", with("client_id", "x"), 400, ""},
		{"unregistered redirect", with("redirect_uri", "https://evil.example/cb"), 400, ""},
		{"no audience", with("audience", ""), 302, "invalid_request"},
		{"token response type", with("response_type", "token"), 302, "unsupported_response_type"},
		{"unknown account", with("account", "nope"), 400, ""},
	}
	for _, tt := range tests {
		status, h, _ := call(t, &nf, "GET", tt.url, "", "", nil)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, status, tt.status)
			continue
		}
		if status == 302 {
			loc, _ := url.Parse(h.Get("Location"))
			if got := loc.Query().Get("error"); got != tt.errParam || loc.Query().Get("state") != "st" {
				t.Errorf("%s: redirect %s, want error %q and state", tt.name, loc, tt.errParam)
			}
		}
	}

	// account= selects who consents; tokens carry its claims.
	ts.SetConsentAccount(other.ID)
	_, h, _ := call(t, &nf, "GET", with("state", "st"), "", "", nil)
	loc, _ := url.Parse(h.Get("Location"))
	code := loc.Query().Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"},
		"client_id": {leverfake.DefaultClientID}, "client_secret": {leverfake.DefaultClientSecret}}
	status, _, body := call(t, ts.Client(), "POST", ts.URL+"/oauth/token", "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
		TokenType    string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || status != 200 || tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 {
		t.Fatalf("token response %d %s", status, body)
	}
	if parts := strings.Split(tr.AccessToken, "."); len(parts) != 3 || !strings.Contains(decode(t, parts[1]), other.ID) {
		t.Errorf("access token is not a JWT carrying account %s", other.ID)
	}
	if !strings.Contains(decode(t, strings.Split(tr.AccessToken, ".")[1]), `"https://oauth.lever.co/userId"`) {
		t.Error("JWT lacks the userId claim")
	}
	_ = a

	// Refresh: rotation, then reuse of the old one is 403 invalid_grant.
	rf := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken},
		"client_id": {leverfake.DefaultClientID}, "client_secret": {leverfake.DefaultClientSecret}}
	if status, _, body := call(t, ts.Client(), "POST", ts.URL+"/oauth/token", "", "application/x-www-form-urlencoded", strings.NewReader(rf.Encode())); status != 200 {
		t.Fatalf("refresh %d %s", status, body)
	}
	status, _, body = call(t, ts.Client(), "POST", ts.URL+"/oauth/token", "", "application/x-www-form-urlencoded", strings.NewReader(rf.Encode()))
	if status != 403 || !strings.Contains(string(body), `"error":"invalid_grant"`) || !strings.Contains(string(body), "Unknown or invalid refresh token.") {
		t.Errorf("reuse: %d %s, want 403 invalid_grant", status, body)
	}
}

func decode(t *testing.T, seg string) string {
	t.Helper()
	b, err := base64RawURL(seg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRateLimitHeader(t *testing.T) {
	ts, _, tok := start(t, leverfake.Options{Rate: 2, Burst: 3})
	var statuses []int
	var retry string
	for range 5 {
		s, h, _ := call(t, ts.Client(), "GET", ts.URL+"/v1/stages", tok, "", nil)
		statuses = append(statuses, s)
		if s == 429 {
			retry = h.Get("Retry-After")
		}
	}
	if fmt.Sprint(statuses) != "[200 200 200 429 429]" || retry != "1" {
		t.Errorf("statuses %v, Retry-After %q; want burst of 3 then 429 with Retry-After 1", statuses, retry)
	}
	ts.SetRateLimit(0, 0)
	if s, _, _ := call(t, ts.Client(), "GET", ts.URL+"/v1/stages", tok, "", nil); s != 200 {
		t.Errorf("status %d with rate limiting off", s)
	}
}

func TestRandomFaultsAreReproducible(t *testing.T) {
	run := func() string {
		ts, _, tok := start(t, leverfake.Options{NoRateLimit: true, Seed: 42})
		ts.SetFaults("GET /stages", leverfake.Faults{ErrorRate: 0.3, Status: 500})
		var b strings.Builder
		for range 40 {
			s, _, _ := call(t, ts.Client(), "GET", ts.URL+"/v1/stages", tok, "", nil)
			fmt.Fprint(&b, s/100)
		}
		return b.String()
	}
	a, b := run(), run()
	if a != b || !strings.Contains(a, "5") || !strings.Contains(a, "2") {
		t.Errorf("runs differ or are degenerate:\n%s\n%s", a, b)
	}
}

func TestLatencyAndConcurrency(t *testing.T) {
	ts, a, tok := start(t, leverfake.Options{NoRateLimit: true})
	ts.SetLatency(20*time.Millisecond, 10*time.Millisecond)
	begin := time.Now()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			body := fmt.Sprintf(`{"name":"C%d","emails":["c%d@example.com"]}`, i, i%5)
			s, _, b := call(t, ts.Client(), "POST", ts.URL+"/v1/opportunities?perform_as="+a.AdminID(), tok, "application/json", strings.NewReader(body))
			if s != 201 {
				t.Errorf("create: %d %s", s, b)
			}
		})
	}
	wg.Wait()
	if d := time.Since(begin); d < 20*time.Millisecond {
		t.Errorf("20 calls took %v, latency not applied", d)
	}
	if n, c := len(a.Opportunities()), len(a.Contacts()); n != 20 || c != 5 {
		t.Errorf("%d opportunities on %d contacts, want 20 on 5 (email dedupe)", n, c)
	}
	if n := a.Calls("POST /opportunities"); n != 20 {
		t.Errorf("counter = %d, want 20", n)
	}
}

func TestAdminSurface(t *testing.T) {
	ts := leverfake.Start(leverfake.Options{})
	defer ts.Close()
	c := ts.Client()
	admin := func(method, path, body string) (int, []byte) {
		s, _, b := call(t, c, method, ts.URL+"/_admin"+path, "", "application/json", strings.NewReader(body))
		return s, b
	}
	s, b := admin("POST", "/accounts", `{"name":"Globex"}`)
	var acct struct{ ID, Name, AdminID string }
	if err := json.Unmarshal(b, &acct); s != 201 || err != nil || acct.ID == "" {
		t.Fatalf("create account: %d %s", s, b)
	}
	steps := []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/accounts/" + acct.ID + "/users", `{"name":"Rita","email":"rita@globex.example"}`, 201},
		{"POST", "/accounts/" + acct.ID + "/postings", `{"text":"Role","count":3}`, 201},
		{"POST", "/accounts/nope/postings", `{}`, 404},
		{"PUT", "/consent", `{"deny":"","account":"` + acct.ID + `"}`, 204},
		{"PUT", "/faults", `{"endpoint":"GET /stages","errorRate":1}`, 204},
		{"DELETE", "/faults", ``, 204},
		{"POST", "/fail-next", `{"endpoint":"GET /stages","n":1,"status":500}`, 204},
		{"PUT", "/rate", `{"rate":5,"burst":5}`, 204},
		{"PUT", "/latency", `{"fixedMs":0,"jitterMs":0}`, 204},
		{"PUT", "/token-ttl", `{"seconds":60}`, 204},
		{"GET", "/accounts", ``, 200},
		{"GET", "/counters", ``, 200},
		{"GET", "/duplicates", ``, 200},
		{"GET", "/accounts/" + acct.ID + "/opportunities", ``, 200},
	}
	for _, st := range steps {
		if s, b := admin(st.method, st.path, st.body); s != st.want {
			t.Errorf("%s %s: %d %s, want %d", st.method, st.path, s, b, st.want)
		}
	}
	s, b = admin("POST", "/accounts/"+acct.ID+"/tokens", ``)
	var tok struct{ AccessToken string }
	if err := json.Unmarshal(b, &tok); s != 201 || err != nil {
		t.Fatalf("tokens: %d %s", s, b)
	}
	if s, _, _ := call(t, c, "GET", ts.URL+"/v1/stages", tok.AccessToken, "", nil); s != 500 {
		t.Errorf("fail-next not applied: %d", s)
	}
	if s, _, b := call(t, c, "GET", ts.URL+"/v1/postings", tok.AccessToken, "", nil); s != 200 || strings.Count(string(b), `"id"`) != 3 {
		t.Errorf("postings: %d %s", s, b)
	}
	if s, _ := admin("POST", "/accounts/"+acct.ID+"/revoke", ``); s != 204 {
		t.Errorf("revoke: %d", s)
	}
	if s, _, _ := call(t, c, "GET", ts.URL+"/v1/stages", tok.AccessToken, "", nil); s != 401 {
		t.Errorf("after revoke: %d, want 401", s)
	}
	s, b = admin("GET", "/accounts/"+acct.ID+"/counters", ``)
	// The call after revocation has no account, so it is not counted here.
	if s != 200 || !bytes.Contains(b, []byte(`"GET /stages":1`)) {
		t.Errorf("counters: %d %s", s, b)
	}
}

// BenchmarkFakeGetOpportunity reports the fake's read throughput over
// loopback HTTP with parallel clients.
func BenchmarkFakeGetOpportunity(b *testing.B) {
	ts, a, tok := start(b, leverfake.Options{NoRateLimit: true})
	s, _, body := call(b, ts.Client(), "POST", ts.URL+"/v1/opportunities?perform_as="+a.AdminID(), tok, "application/json", strings.NewReader(`{"name":"B"}`))
	if s != 201 {
		b.Fatal(string(body))
	}
	var created struct{ Data struct{ ID string } }
	_ = json.Unmarshal(body, &created)
	u := ts.URL + "/v1/opportunities/" + created.Data.ID
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if s, _, _ := call(b, ts.Client(), "GET", u, tok, "", nil); s != 200 {
				b.Errorf("status %d", s)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkFakeCreateOpportunity reports the fake's create throughput.
func BenchmarkFakeCreateOpportunity(b *testing.B) {
	ts, a, tok := start(b, leverfake.Options{NoRateLimit: true})
	u := ts.URL + "/v1/opportunities?perform_as=" + a.AdminID()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			body := fmt.Sprintf(`{"name":"B","emails":["b%d@example.com"],"origin":"sourced"}`, i)
			if s, _, _ := call(b, ts.Client(), "POST", u, tok, "application/json", strings.NewReader(body)); s != 201 {
				b.Errorf("status %d", s)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// TestAdminArchiveClockAndHome drives the routes added for archived leads,
// the credential lifecycle and the second region through /_admin.
func TestAdminArchiveClockAndHome(t *testing.T) {
	ts := leverfake.Start(leverfake.Options{NoRateLimit: true})
	defer ts.Close()
	c := ts.Client()
	acc := ts.NewAccount("Initech")
	tok := acc.Authorize()
	admin := func(method, path, body string) (int, []byte) {
		s, _, b := call(t, c, method, ts.URL+"/_admin"+path, "", "application/json", strings.NewReader(body))
		return s, b
	}
	s, _, b := call(t, c, "POST", ts.URL+"/v1/opportunities?perform_as="+acc.AdminID(), tok.AccessToken, "application/json", strings.NewReader(`{"name":"Lead","emails":["lead@example.com"]}`))
	var created struct{ Data struct{ ID string } }
	if err := json.Unmarshal(b, &created); s != 201 || err != nil {
		t.Fatalf("create: %d %s", s, b)
	}
	reason := leverfake.DefaultArchiveReasons[0].ID
	steps := []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/accounts/" + acc.ID + "/archive-reasons", ``, 200},
		{"PUT", "/accounts/" + acc.ID + "/opportunities/" + created.Data.ID + "/archived", `{"reason":"` + reason + `"}`, 204},
		{"PUT", "/accounts/" + acc.ID + "/opportunities/" + created.Data.ID + "/archived", `{"reason":"nope"}`, 404},
		{"PUT", "/faults", `{"endpoint":"GET /stages","rateLimitedRate":1}`, 204},
		{"GET", "/clock", ``, 200},
		{"POST", "/clock", `{"advanceSeconds":-1}`, 400},
	}
	for _, st := range steps {
		if s, b := admin(st.method, st.path, st.body); s != st.want {
			t.Errorf("%s %s: %d %s, want %d", st.method, st.path, s, b, st.want)
		}
	}
	if o := acc.Opportunities()[0]; o.Archived == nil || o.Archived.Reason != reason {
		t.Errorf("archived = %+v", o.Archived)
	}
	s, h, _ := call(t, c, "GET", ts.URL+"/v1/stages", tok.AccessToken, "", nil)
	if s != 429 || h.Get("Retry-After") != "" {
		t.Errorf("rate-limited fault: %d Retry-After %q, want 429 without", s, h.Get("Retry-After"))
	}
	admin("DELETE", "/faults", ``)

	// 91 days later the refresh token is dead (idle expiry).
	before := ts.Now()
	s, b = admin("POST", "/clock", `{"advanceSeconds":7862400}`)
	var now struct{ Now int64 }
	if err := json.Unmarshal(b, &now); s != 200 || err != nil || now.Now-before.UnixMilli() < 7862400000 {
		t.Fatalf("clock: %d %s", s, b)
	}
	form := "grant_type=refresh_token&client_id=" + leverfake.DefaultClientID + "&client_secret=" + leverfake.DefaultClientSecret + "&refresh_token=" + tok.RefreshToken
	if s, _, b := call(t, c, "POST", ts.URL+"/oauth/token", "", "application/x-www-form-urlencoded", strings.NewReader(form)); s != 403 || !strings.Contains(string(b), "invalid_grant") {
		t.Errorf("refresh after 91 idle days: %d %s, want 403 invalid_grant", s, b)
	}
	bad := "grant_type=refresh_token&client_id=" + leverfake.DefaultClientID + "&client_secret=wrong&refresh_token=x"
	if s, _, b := call(t, c, "POST", ts.URL+"/oauth/token", "", "application/x-www-form-urlencoded", strings.NewReader(bad)); s != 401 || !strings.Contains(string(b), "access_denied") {
		t.Errorf("wrong secret: %d %s, want 401 access_denied", s, b)
	}

	// Homing the account elsewhere redirects its API calls there.
	tok = acc.Authorize()
	if s, _ := admin("PUT", "/accounts/"+acc.ID+"/home", `{"baseUrl":"http://eu.example:9"}`); s != 204 {
		t.Fatalf("home: %d", s)
	}
	nc := *c
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s, h, _ = call(t, &nc, "GET", ts.URL+"/v1/stages?limit=5", tok.AccessToken, "", nil)
	if s != 307 || h.Get("Location") != "http://eu.example:9/v1/stages?limit=5" {
		t.Errorf("homed account: %d Location %q", s, h.Get("Location"))
	}
}

// TestCreateArchived follows docs #create-an-opportunity "archived".
func TestCreateArchived(t *testing.T) {
	ts, acc, tok := start(t, leverfake.Options{NoRateLimit: true})
	reason := leverfake.DefaultArchiveReasons[2].ID
	tests := []struct {
		name, body   string
		status       int
		wantArchived bool
	}{
		{"reason only", `{"name":"a","archived":{"reason":"` + reason + `"}}`, 201, true},
		{"archivedAt only is ignored", `{"name":"b","archived":{"archivedAt":1000}}`, 201, false},
		{"archivedAt needs an earlier createdAt", `{"name":"c","archived":{"reason":"` + reason + `","archivedAt":1000}}`, 400, false},
		{"archivedAt after createdAt", `{"name":"d","createdAt":500,"archived":{"reason":"` + reason + `","archivedAt":1000}}`, 201, true},
		{"unknown reason", `{"name":"e","archived":{"reason":"nope"}}`, 404, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, b := call(t, ts.Client(), "POST", ts.URL+"/v1/opportunities?perform_as="+acc.AdminID(), tok, "application/json", strings.NewReader(tt.body))
			if s != tt.status {
				t.Fatalf("status %d %s, want %d", s, b, tt.status)
			}
			if s != 201 {
				return
			}
			var out struct {
				Data struct {
					Archived *struct{ Reason string } `json:"archived"`
				}
			}
			if err := json.Unmarshal(b, &out); err != nil || (out.Data.Archived != nil) != tt.wantArchived {
				t.Errorf("archived = %+v (%v), want archived=%v", out.Data.Archived, err, tt.wantArchived)
			}
		})
	}
}
