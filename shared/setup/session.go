// Package setup is the hosted setup page a vendor hands to its customer's
// Lever admin: connect Lever, link the vendor's positions to postings with a
// trigger, see recent and failed exports. The api function serves it under
// /setup/; the vendor mints a session with POST
// /v1/companies/{companyId}/setup-sessions.
//
// Sessions are stateless: a signed token (HMAC-SHA256 under a key derived
// with HKDF from the token-sealing key, so no new secret is needed) holding
// the company, the vendor's positions, the return URL and the expiry (at
// most one hour). The first page load moves it from the URL into an
// HttpOnly, Secure, SameSite=Strict cookie and redirects to the bare URL.
// Every state change carries a CSRF token bound to the session.
package setup

import (
	"bytes"
	"compress/flate"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
)

// MaxTTL bounds a session's lifetime (the "≤ 1 h").
const MaxTTL = time.Hour

// Limits of a session's content. The token lives in a cookie, which
// browsers cap at 4096 bytes with its name and attributes.
const (
	MaxPositions   = 100
	maxTitle       = 200
	maxLocale      = 35
	maxTokenLength = 3800
)

// Position is one of the vendor's job positions the admin links.
type Position struct {
	ID       string `json:"id" maxLength:"128"`
	Title    string `json:"title" maxLength:"200"`
	Location string `json:"location,omitempty" maxLength:"200"`
}

// Session is what a verified token says. It is the only authority of a
// setup request: one company, the listed positions, until ExpiresAt.
type Session struct {
	CompanyID string     `json:"c"`
	Positions []Position `json:"p"`
	Locale    string     `json:"l,omitempty"`
	ReturnURL string     `json:"r"`
	IssuedAt  int64      `json:"i"`
	ExpiresAt int64      `json:"e"`
	Nonce     string     `json:"n"` // binds the CSRF token to this session
}

// Expires returns ExpiresAt as a time.
func (s Session) Expires() time.Time { return time.Unix(s.ExpiresAt, 0).UTC() }

// HasPosition reports whether id is one of the session's positions.
func (s Session) HasPosition(id string) bool {
	for _, p := range s.Positions {
		if p.ID == id {
			return true
		}
	}
	return false
}

// Signer mints and verifies session tokens and CSRF tokens. Safe for
// concurrent use (it is immutable after NewSigner).
type Signer struct {
	sessionKey []byte
	csrfKey    []byte
}

// NewSigner derives the session and CSRF keys from root (the 32-byte
// token-sealing key) with HKDF-SHA256, each under its own info label, so
// neither the sealing key nor one derived key reveals another.
func NewSigner(root []byte) (*Signer, error) {
	if len(root) < 32 {
		return nil, apperr.E(apperr.Internal, "setup: the root key must be at least 32 bytes")
	}
	sk, err := hkdf.Key(sha256.New, root, nil, "leverlink setup session v1", 32)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, err, "setup: derive session key")
	}
	ck, err := hkdf.Key(sha256.New, root, nil, "leverlink setup csrf v1", 32)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, err, "setup: derive csrf key")
	}
	return &Signer{sessionKey: sk, csrfKey: ck}, nil
}

const tokenPrefix = "v1."

// Reasons of refused sessions and CSRF tokens (the API's error reasons).
const (
	ReasonSessionMissing = "session_missing"
	ReasonSessionInvalid = "session_invalid"
	ReasonSessionExpired = "session_expired"
	ReasonCSRF           = "csrf_invalid"
)

// Sign returns the token of s: "v1." + base64url(deflate(JSON)) + "." +
// base64url(HMAC-SHA256). Errors: apperr Invalid naming "positions" when
// the token would not fit in a cookie.
func (g *Signer) Sign(s Session) (string, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return "", apperr.Wrap(apperr.Internal, err, "encode session")
	}
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	body := tokenPrefix + base64.RawURLEncoding.EncodeToString(buf.Bytes())
	tok := body + "." + base64.RawURLEncoding.EncodeToString(g.mac(g.sessionKey, body))
	if len(tok) > maxTokenLength {
		return "", apperr.InvalidField("positions", "too many or too long for one session (the session must fit in a browser cookie); send fewer positions or shorter titles per session")
	}
	return tok, nil
}

// Verify checks tok's signature and expiry at now and returns its session.
// Errors: apperr Unauthorized with Reason session_missing (empty),
// session_invalid (malformed or forged) or session_expired.
func (g *Signer) Verify(tok string, now time.Time) (Session, error) {
	if tok == "" {
		return Session{}, apperr.E(apperr.Unauthorized, "no setup session: open the setup link again").WithReason(ReasonSessionMissing)
	}
	invalid := apperr.E(apperr.Unauthorized, "this setup link is not valid: ask for a new one").WithReason(ReasonSessionInvalid)
	if len(tok) > maxTokenLength || !strings.HasPrefix(tok, tokenPrefix) {
		return Session{}, invalid
	}
	i := strings.LastIndexByte(tok, '.')
	body, sig := tok[:i], tok[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, g.mac(g.sessionKey, body)) {
		return Session{}, invalid
	}
	z, err := base64.RawURLEncoding.DecodeString(body[len(tokenPrefix):])
	if err != nil {
		return Session{}, invalid
	}
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), 64<<10))
	if err != nil {
		return Session{}, invalid
	}
	var s Session
	if err := json.Unmarshal(raw, &s); err != nil || s.CompanyID == "" || s.Nonce == "" {
		return Session{}, invalid
	}
	if !now.Before(s.Expires()) {
		return Session{}, apperr.E(apperr.Unauthorized, "this setup link has expired: ask for a new one").WithReason(ReasonSessionExpired)
	}
	return s, nil
}

// CSRF returns the session's CSRF token: HMAC of its nonce under the CSRF
// key. It is handed to the page with the session's state and must come
// back in the X-Setup-CSRF header of every state change.
func (g *Signer) CSRF(s Session) string {
	return base64.RawURLEncoding.EncodeToString(g.mac(g.csrfKey, s.Nonce))
}

// CheckCSRF compares got with the session's CSRF token in constant time.
// Errors: apperr Forbidden with Reason csrf_invalid.
func (g *Signer) CheckCSRF(s Session, got string) error {
	want := g.CSRF(s)
	if got == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return apperr.E(apperr.Forbidden, "missing or wrong CSRF token: reload the page").WithReason(ReasonCSRF)
	}
	return nil
}

func (g *Signer) mac(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// NewSessionInput is the body of POST /v1/companies/{companyId}/setup-sessions.
type NewSessionInput struct {
	ReturnURL string     `json:"returnUrl" maxLength:"2048"`
	Positions []Position `json:"positions"`
	Locale    string     `json:"locale,omitempty" maxLength:"35"`
}

// validate checks everything but the return URL's origin; errors name the
// field.
func (in NewSessionInput) validate() error {
	if in.ReturnURL == "" {
		return apperr.InvalidField("returnUrl", "is required")
	}
	if len(in.Positions) > MaxPositions {
		return apperr.InvalidField("positions", "at most %d positions per session", MaxPositions)
	}
	seen := map[string]bool{}
	for i, p := range in.Positions {
		f := func(name string) string { return "positions[" + strconv.Itoa(i) + "]." + name }
		if err := event.CheckID(f("id"), p.ID); err != nil {
			return err
		}
		if seen[p.ID] {
			return apperr.InvalidField(f("id"), "position %s is listed twice", p.ID)
		}
		seen[p.ID] = true
		if strings.TrimSpace(p.Title) == "" || len(p.Title) > maxTitle {
			return apperr.InvalidField(f("title"), "must be 1 to %d characters", maxTitle)
		}
		if len(p.Location) > maxTitle {
			return apperr.InvalidField(f("location"), "must be at most %d characters", maxTitle)
		}
	}
	if len(in.Locale) > maxLocale || strings.ContainsAny(in.Locale, " \"'<>&;") {
		return apperr.InvalidField("locale", "must be a language tag such as en or en-GB")
	}
	return nil
}

// newNonce returns 16 random bytes, base64url.
func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
