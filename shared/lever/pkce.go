package lever

import (
	"context"

	"golang.org/x/oauth2"
)

// AuthCodeURLPKCE is AuthCodeURL with PKCE (RFC 7636, S256): the URL also
// carries code_challenge=BASE64URL(SHA256(verifier)) and
// code_challenge_method=S256. Lever's documentation does not mention PKCE;
// its authorization server (Auth0, LEVER.md §1) supports it, so leverlink
// sends it unless turned off (LEVER_PKCE=off, docs/runbook.md). An empty
// verifier sends no PKCE. extra scopes are asked for on top of the
// configured ones (AuthCodeURLWithScopes).
func (o *OAuth) AuthCodeURLPKCE(state, verifier string, extra ...string) string {
	opts := []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("audience", o.audience),
		oauth2.SetAuthURLParam("prompt", "consent"),
	}
	if so := o.scopeOption(extra); so != nil {
		opts = append(opts, so)
	}
	if verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	return o.cfg.AuthCodeURL(state, opts...)
}

// ExchangePKCE is Exchange sending code_verifier (the verifier whose
// challenge the authorize URL carried); an empty verifier gives Exchange.
// Errors as for Exchange: a verifier that does not match is invalid_grant.
func (o *OAuth) ExchangePKCE(ctx context.Context, code, verifier string) (Token, error) {
	if verifier == "" {
		return o.Exchange(ctx, code)
	}
	t, err := o.cfg.Exchange(o.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Token{}, tokenError(ctx, "exchange", err)
	}
	return tokenFrom(t), nil
}
