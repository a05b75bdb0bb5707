package setup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/settings"
)

const (
	base   = "https://api.leverlink.example"
	vendor = "https://vendor.example"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

type fakeConns struct{ view connection.View }

func (f *fakeConns) Status(context.Context, string) (connection.View, error) { return f.view, nil }
func (f *fakeConns) Authorize(_ context.Context, c, _ string, in connection.AuthorizeInput) (string, error) {
	return "https://auth.lever.example/authorize?" + url.Values{"company": {c}, "return": {in.ReturnURL}, "state": {"st-" + c}}.Encode(), nil
}
func (f *fakeConns) Disconnect(context.Context, string) (connection.DisconnectView, error) {
	return connection.DisconnectView{}, nil
}
func (f *fakeConns) SetPerformAs(_ context.Context, _ string, in connection.PerformAsInput) (connection.View, error) {
	if in.Email != "rec@acme.example" {
		return connection.View{}, apperr.InvalidField("email", "no Lever user with this email")
	}
	f.view.Status = connection.Connected
	return f.view, nil
}
func (f *fakeConns) CheckReturnURL(raw string) error {
	if !strings.HasPrefix(raw, vendor+"/") {
		return apperr.InvalidField("returnUrl", "origin not allowed")
	}
	return nil
}

type fakePostings struct{}

func (fakePostings) List(context.Context, string) (posting.ListView, error) {
	return posting.ListView{Postings: []posting.Posting{{ID: "p1", Text: "Engineer", State: "published"}}}, nil
}
func (fakePostings) Reload(context.Context, string) error { return nil }

type fakeLinks struct{ m map[string]link.Link }

func (f *fakeLinks) List(_ context.Context, c string) ([]link.Link, error) {
	var out []link.Link
	for _, l := range f.m {
		if l.CompanyID == c {
			out = append(out, l)
		}
	}
	return out, nil
}
func (f *fakeLinks) Put(_ context.Context, c, p string, in link.PutInput) (link.Link, error) {
	l := link.Link{CompanyID: c, PositionID: p, PostingID: in.PostingID, Trigger: in.Trigger}
	f.m[c+"/"+p] = l
	return l, nil
}
func (f *fakeLinks) Delete(_ context.Context, c, p string) error { delete(f.m, c+"/"+p); return nil }

// fakeExports records the retries it is asked for.
type fakeExports struct{ retried []export.ExportRequest }

func (*fakeExports) Failed(context.Context, string, string, string, int) ([]export.StatusView, string, error) {
	return nil, "", nil
}
func (f *fakeExports) Retry(_ context.Context, _, id string, in export.ExportRequest) (export.StatusView, error) {
	f.retried = append(f.retried, in)
	return export.StatusView{CandidateID: id, State: "queued"}, nil
}

type harness struct {
	h        *Handler
	links    *fakeLinks
	exports  *fakeExports
	settings *settings.Service
	now      time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	g, err := NewSigner(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{links: &fakeLinks{m: map[string]link.Link{}}, exports: &fakeExports{}, now: t0}
	hs.settings = &settings.Service{Store: memstore.NewSettings(), Now: func() time.Time { return hs.now }}
	hs.h = &Handler{
		Signer: g, BaseURL: base, FrameAncestors: []string{vendor, "https://evil.example; script-src *"},
		Connections: &fakeConns{view: connection.View{Status: connection.Connected}}, Postings: fakePostings{},
		Links: hs.links, Exports: hs.exports, Settings: hs.settings, Now: func() time.Time { return hs.now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return hs
}

func (hs *harness) session(t *testing.T, company string, positions ...string) (Session, string) {
	t.Helper()
	in := NewSessionInput{ReturnURL: vendor + "/settings"}
	for _, p := range positions {
		in.Positions = append(in.Positions, Position{ID: p, Title: "Position " + p})
	}
	v, err := hs.h.NewSession(context.Background(), company, in)
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimPrefix(v.URL, base+PagePath+"?s=")
	s, err := hs.h.Signer.Verify(tok, hs.now)
	if err != nil {
		t.Fatal(err)
	}
	if v.SessionID != s.AuditID() {
		t.Fatalf("sessionId %q, want the session's audit id %q", v.SessionID, s.AuditID())
	}
	return s, tok
}

func (hs *harness) do(method, path, cookie, csrf, origin string, body any) *httptest.ResponseRecorder {
	return hs.doHeader(method, path, cookie, csrf, origin, nil, body)
}

// doHeader is do with more request headers (empty values are not sent).
func (hs *harness) doHeader(method, path, cookie, csrf, origin string, header map[string]string, body any) *httptest.ResponseRecorder {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, base+path, rd)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
	}
	if csrf != "" {
		req.Header.Set(CSRFHeader, csrf)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	return rec
}

func reasonOf(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var e struct {
		Error struct{ Reason, Field string }
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	if e.Error.Reason != "" {
		return e.Error.Reason
	}
	return e.Error.Field
}

// TestSessionRules: a session is refused when missing, forged, signed
// under another key, tampered with or expired; it lasts at most an hour.
func TestSessionRules(t *testing.T) {
	hs := newHarness(t)
	s, tok := hs.session(t, "acme", "pos-1")
	if got := s.Expires().Sub(t0); got != MaxTTL {
		t.Errorf("session lifetime = %v, want %v", got, MaxTTL)
	}
	other, _ := NewSigner(bytes.Repeat([]byte{8}, 32))
	foreign, _ := other.Sign(s)
	body, sig, _ := strings.Cut(strings.TrimPrefix(tok, tokenPrefix), ".")
	tampered := tokenPrefix + body[:len(body)-2] + "AA." + sig
	tests := []struct {
		name, tok  string
		after      time.Duration
		wantReason string
	}{
		{"valid", tok, 0, ""},
		{"valid until the last second", tok, MaxTTL - time.Second, ""},
		{"expired", tok, MaxTTL, ReasonSessionExpired},
		{"missing", "", 0, ReasonSessionMissing},
		{"garbage", "hello", 0, ReasonSessionInvalid},
		{"other key", foreign, 0, ReasonSessionInvalid},
		{"tampered payload", tampered, 0, ReasonSessionInvalid},
		{"no signature", tokenPrefix + body, 0, ReasonSessionInvalid},
	}
	for _, tt := range tests {
		hs.now = t0.Add(tt.after)
		rec := hs.do("GET", "/setup/api/state", tt.tok, "", "", nil)
		got := ""
		if rec.Code != http.StatusOK {
			got = reasonOf(t, rec)
		}
		if got != tt.wantReason || (tt.wantReason != "" && rec.Code != http.StatusUnauthorized) {
			t.Errorf("%s: status %d reason %q, want reason %q", tt.name, rec.Code, got, tt.wantReason)
		}
	}
}

// TestFirstLoad: the session URL sets an HttpOnly, Secure, SameSite=Strict
// cookie and redirects to the bare page; a forged link gets the refusal
// page and no cookie.
func TestFirstLoad(t *testing.T) {
	hs := newHarness(t)
	_, tok := hs.session(t, "acme")
	rec := hs.do("GET", "/setup?s="+tok, "", "", "", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != PagePath {
		t.Fatalf("first load: %d Location %q, want 303 %s", rec.Code, rec.Header().Get("Location"), PagePath)
	}
	c := rec.Result().Cookies()
	if len(c) != 1 || c[0].Value != tok || !c[0].HttpOnly || !c[0].Secure || c[0].SameSite != http.SameSiteStrictMode || c[0].Path != PagePath || c[0].MaxAge != int(MaxTTL.Seconds()) {
		t.Errorf("cookie = %+v, want HttpOnly Secure SameSite=Strict Path=/setup", c)
	}
	rec = hs.do("GET", "/setup?s="+tok+"x", "", "", "", nil)
	if rec.Code != http.StatusUnauthorized || len(rec.Result().Cookies()) != 0 || !strings.Contains(rec.Body.String(), "not valid") {
		t.Errorf("forged first load: %d cookies %v", rec.Code, rec.Result().Cookies())
	}
	hs.now = t0.Add(2 * time.Hour)
	if rec = hs.do("GET", "/setup?s="+tok, "", "", "", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("expired first load: %d, want 401", rec.Code)
	}
}

// TestCSRFRule: every state change needs the session's CSRF token and, when
// the browser says where it comes from, the page's own origin.
func TestCSRFRule(t *testing.T) {
	hs := newHarness(t)
	s, tok := hs.session(t, "acme", "pos-1")
	_, otherTok := hs.session(t, "acme", "pos-1")
	otherS, _ := hs.h.Signer.Verify(otherTok, t0)
	good := hs.h.Signer.CSRF(s)
	tests := []struct {
		name, csrf, origin string
		want               int
	}{
		{"right token, same origin", good, base, http.StatusOK},
		{"right token, no origin header", good, "", http.StatusOK},
		{"no token", "", base, http.StatusForbidden},
		{"wrong token", "x" + good, base, http.StatusForbidden},
		{"another session's token", hs.h.Signer.CSRF(otherS), base, http.StatusForbidden},
		{"right token, other origin", good, vendor, http.StatusForbidden},
	}
	for _, tt := range tests {
		rec := hs.do("PUT", "/setup/api/links/pos-1", tok, tt.csrf, tt.origin, map[string]string{"postingId": "p1"})
		if rec.Code != tt.want {
			t.Errorf("%s: status %d %s, want %d", tt.name, rec.Code, rec.Body, tt.want)
		}
		if tt.want == http.StatusForbidden && reasonOf(t, rec) != ReasonCSRF {
			t.Errorf("%s: reason %q, want %s", tt.name, reasonOf(t, rec), ReasonCSRF)
		}
	}
	for _, r := range []struct{ method, path string }{
		{"DELETE", "/setup/api/links/pos-1"}, {"DELETE", "/setup/api/connection"}, {"PUT", "/setup/api/connection/perform-as"},
		{"POST", "/setup/api/connection/authorize"}, {"POST", "/setup/api/postings/reload"},
		{"POST", "/setup/api/exports/cand-1/retry"}, {"PUT", "/setup/api/settings"},
	} {
		if rec := hs.do(r.method, r.path, tok, "", "", nil); rec.Code != http.StatusForbidden {
			t.Errorf("%s %s without CSRF: %d, want 403", r.method, r.path, rec.Code)
		}
	}
}

var inlineScript = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=|javascript:`)

// TestHeadersRule: CSP with default-src 'self', no inline script (in the
// policy and in the page), framing only by the page and the allowed
// origins (a malformed origin cannot inject a directive), no caching.
func TestHeadersRule(t *testing.T) {
	hs := newHarness(t)
	_, tok := hs.session(t, "acme")
	for _, path := range []string{"/setup", "/setup/", "/setup/api/state", "/setup/assets/app.js", "/setup/nope", "/setup?s=" + tok} {
		rec := hs.do("GET", path, tok, "", "", nil)
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if !strings.HasSuffix(csp, "frame-ancestors 'self' "+vendor) {
			t.Errorf("%s: frame-ancestors in %q, want only 'self' and %s", path, csp, vendor)
		}
		if h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	for _, name := range []string{"assets/index.html", "assets/refused.html"} {
		b, _ := assetFS.ReadFile(name)
		if m := inlineScript.Find(b); m != nil {
			t.Errorf("%s has inline script: %q", name, m)
		}
		if strings.Contains(string(b), "style=") || strings.Contains(string(b), "<style") {
			t.Errorf("%s has inline style", name)
		}
	}
	if got := ContentSecurityPolicy([]string{"http://127.0.0.1:9/", "ftp://x", "https://a.example/path"}); !strings.HasSuffix(got, "frame-ancestors 'self' http://127.0.0.1:9") {
		t.Errorf("CSP of odd origins = %q", got)
	}
}

// TestNewSession: the management route's input rules, each naming its
// field, and the size bound of a session.
func TestNewSession(t *testing.T) {
	hs := newHarness(t)
	long := make([]Position, MaxPositions)
	for i := range long {
		sum := sha256.Sum256([]byte{byte(i)})
		long[i] = Position{ID: fmt.Sprintf("pos-%d", i), Title: hex.EncodeToString(sum[:])}
	}
	tests := []struct {
		name      string
		in        NewSessionInput
		wantField string
	}{
		{"ok", NewSessionInput{ReturnURL: vendor + "/x", Positions: []Position{{ID: "p-1", Title: "Backend engineer"}}, Locale: "en-GB"}, ""},
		{"no positions is fine", NewSessionInput{ReturnURL: vendor + "/x"}, ""},
		{"missing returnUrl", NewSessionInput{}, "returnUrl"},
		{"returnUrl elsewhere", NewSessionInput{ReturnURL: "https://evil.example/x"}, "returnUrl"},
		{"bad position id", NewSessionInput{ReturnURL: vendor + "/x", Positions: []Position{{ID: "a b", Title: "T"}}}, "positions[0].id"},
		{"duplicate position", NewSessionInput{ReturnURL: vendor + "/x", Positions: []Position{{ID: "a", Title: "T"}, {ID: "a", Title: "U"}}}, "positions[1].id"},
		{"no title", NewSessionInput{ReturnURL: vendor + "/x", Positions: []Position{{ID: "a"}}}, "positions[0].title"},
		{"bad locale", NewSessionInput{ReturnURL: vendor + "/x", Locale: "<script>"}, "locale"},
		{"too big for a cookie", NewSessionInput{ReturnURL: vendor + "/x", Positions: long}, "positions"},
	}
	for _, tt := range tests {
		_, err := hs.h.NewSession(context.Background(), "acme", tt.in)
		got := ""
		if e := apperr.As(err); e != nil {
			got = e.Field
		} else if err != nil {
			got = err.Error()
		}
		if got != tt.wantField {
			t.Errorf("%s: error field %q (%v), want %q", tt.name, got, err, tt.wantField)
		}
	}
}

// TestSessionScope: a session sees and changes only its own positions of
// its own company.
func TestSessionScope(t *testing.T) {
	hs := newHarness(t)
	s, tok := hs.session(t, "acme", "pos-1")
	hs.links.m["acme/pos-2"] = link.Link{CompanyID: "acme", PositionID: "pos-2", PostingID: "p1"}
	hs.links.m["globex/pos-1"] = link.Link{CompanyID: "globex", PositionID: "pos-1", PostingID: "p1"}
	csrf := hs.h.Signer.CSRF(s)
	if rec := hs.do("PUT", "/setup/api/links/pos-2", tok, csrf, base, map[string]string{"postingId": "p1"}); rec.Code != http.StatusNotFound || reasonOf(t, rec) != "positionId" {
		t.Errorf("link a position outside the session: %d %s", rec.Code, rec.Body)
	}
	if rec := hs.do("DELETE", "/setup/api/links/pos-2", tok, csrf, base, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unlink a position outside the session: %d", rec.Code)
	}
	rec := hs.do("GET", "/setup/api/state", tok, "", "", nil)
	var v StateView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Code != 200 {
		t.Fatalf("state: %d %v", rec.Code, err)
	}
	if len(v.Positions) != 1 || v.Positions[0].ID != "pos-1" || v.Positions[0].Link != nil || v.CompanyID != "acme" || v.CSRF != csrf {
		t.Errorf("state = %+v, want pos-1 of acme unlinked", v)
	}
	if _, ok := hs.links.m["acme/pos-2"]; !ok {
		t.Error("a link outside the session was removed")
	}
}
