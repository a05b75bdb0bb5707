package lever_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
)

// TestOAuthPKCE: with a challenge on the authorize URL, the fake (like
// Auth0) exchanges the code only with the matching verifier; a missing or
// wrong verifier is invalid_grant and spends the code.
func TestOAuthPKCE(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	o := e.oauth()
	ctx := ctxT(t)
	const verifier = "the-verifier-of-this-flow-0123456789abcdefghijkl"
	consent := func(state string) string {
		t.Helper()
		resp, err := noFollow(e.ts.Client()).Get(o.AuthCodeURLPKCE(state, verifier))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
			t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
		}
		return loc.Query().Get("code")
	}
	for name, v := range map[string]string{"no verifier": "", "wrong verifier": verifier + "x"} {
		code := consent(name)
		var err error
		if v == "" {
			_, err = o.Exchange(ctx, code)
		} else {
			_, err = o.ExchangePKCE(ctx, code, v)
		}
		checkCode(t, err, apperr.Unauthorized, "invalid_grant")
		_, err = o.ExchangePKCE(ctx, code, verifier)
		checkCode(t, err, apperr.Unauthorized, "invalid_grant") // spent
	}
	if tok, err := o.ExchangePKCE(ctx, consent("ok"), verifier); err != nil || tok.AccessToken == "" {
		t.Errorf("matching verifier: %v", err)
	}
}
