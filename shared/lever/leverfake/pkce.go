package leverfake

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
)

// PKCE (RFC 7636) on the authorization-code grant. Lever's documentation
// does not mention PKCE (docs #authentication describes client_id,
// redirect_uri, state, response_type, scope, prompt and audience only).
// ASSUMPTION: Lever's authorization server is Auth0 (LEVER.md §1, "Turn 2";
// the sandbox auth host is an Auth0 tenant), and the fake does what Auth0
// documents for the Authorization Code Flow with PKCE
// (https://auth0.com/docs/get-started/authentication-and-authorization-flow/authorization-code-flow-with-pkce,
// .../call-your-api-using-the-authorization-code-flow-with-pkce):
//   - /authorize takes code_challenge with code_challenge_method=S256; any
//     other method is refused (error=invalid_request on the redirect);
//   - the token request of a code issued with a challenge must carry the
//     code_verifier whose BASE64URL(SHA256()) is the challenge, else 403
//     invalid_grant "Failed to verify code verifier", and the code is spent;
//   - a code issued without a challenge is exchanged as before (PKCE is
//     optional for confidential clients), so leverlink works either way
//     (LEVER_PKCE=off).

// pkceRequest checks the PKCE parameters of an /authorize request: it
// returns the challenge to remember ("" when none), or an error description
// when they are malformed.
func pkceRequest(q url.Values) (challenge, problem string) {
	challenge = q.Get("code_challenge")
	method := q.Get("code_challenge_method")
	switch {
	case challenge == "" && method == "":
		return "", ""
	case challenge == "":
		return "", "code_challenge is required with code_challenge_method"
	case method != "S256":
		return "", "code_challenge_method must be S256"
	case len(challenge) != 43:
		return "", "code_challenge must be a base64url SHA-256 digest"
	}
	return challenge, ""
}

// pkceVerified reports whether verifier answers challenge (always true for
// a code issued without a challenge).
func pkceVerified(challenge, verifier string) bool {
	if challenge == "" {
		return true
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}
