package connection

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
)

// FlowPurpose is the HKDF label of the key that binds an OAuth flow (PKCE
// verifier, start link, browser cookie): DeriveKey(token key, FlowPurpose).
const FlowPurpose = "leverlink/oauth-flow/v1"

// FlowCookie is the name of the short-lived cookie that binds a flow to the
// admin's browser: set by the start link, checked by the callback.
const FlowCookie = "leverlink_oauth_flow"

var (
	flowKeyOnce sync.Once
	flowKeyProc []byte
)

// flowKey returns key, or a random key of this process when key is empty.
func flowKey(key []byte) []byte {
	if len(key) > 0 {
		return key
	}
	flowKeyOnce.Do(func() {
		flowKeyProc = make([]byte, 32)
		_, _ = rand.Read(flowKeyProc)
	})
	return flowKeyProc
}

func flowMAC(key []byte, parts ...string) string {
	h := hmac.New(sha256.New, flowKey(key))
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// FlowVerifier is the PKCE code verifier of the flow whose state is
// stateID: 43 base64url characters (RFC 7636 §4.1), derived from the flow
// key so nothing secret is stored with the state, and tied to that state:
// the callback exchanges a code with the verifier of the state it arrives
// with, so a code issued for another flow's challenge is refused by Lever.
func FlowVerifier(key []byte, stateID string) string { return flowMAC(key, "pkce", stateID) }

func (s *Service) verifier(stateID string) string {
	if s.NoPKCE {
		return ""
	}
	return FlowVerifier(s.FlowKey, stateID)
}

// FlowCookieValue is the value of FlowCookie for the flow of stateID.
func FlowCookieValue(key []byte, stateID string) string { return flowMAC(key, "browser", stateID) }

// CheckFlowCookie reports whether cookie is the browser binding of the flow
// of stateID (constant time).
func CheckFlowCookie(key []byte, stateID, cookie string) bool {
	return cookie != "" && hmac.Equal([]byte(cookie), []byte(FlowCookieValue(key, stateID)))
}

// StartQuery is the query of the start link for leverURL (the authorize URL
// Authorize returned): the URL and its signature, so the start link
// redirects only to an authorize URL leverlink made.
func StartQuery(key []byte, leverURL string) string {
	return url.Values{"to": {leverURL}, "sig": {flowMAC(key, "start", leverURL)}}.Encode()
}

// OpenStart checks a start link's query and returns the authorize URL and
// the flow's state. Errors: apperr Invalid naming to or sig when the link
// was not made by StartQuery with key.
func OpenStart(key []byte, q url.Values) (leverURL, stateID string, err error) {
	leverURL = q.Get("to")
	sig := q.Get("sig")
	if leverURL == "" || len(leverURL) > 4096 {
		return "", "", apperr.InvalidField("to", "is required")
	}
	if !hmac.Equal([]byte(sig), []byte(flowMAC(key, "start", leverURL))) {
		return "", "", apperr.InvalidField("sig", "does not match: use the authorizeUrl as returned")
	}
	u, err := url.Parse(leverURL)
	if err != nil || u.Query().Get("state") == "" {
		return "", "", apperr.InvalidField("to", "is not an authorize URL")
	}
	return leverURL, u.Query().Get("state"), nil
}
