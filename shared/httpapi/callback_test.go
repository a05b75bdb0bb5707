package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/httpapi"
)

// callbackEvent is a recorded-shape API Gateway HTTP API (payload 2.0)
// request for the OAuth callback. Its Host header names another domain than
// requestContext.domainName, as a client may send.
func callbackEvent(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	data, err := os.ReadFile("testdata/apigw-v2-callback.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestCallbackURL(t *testing.T) {
	const derived = "https://abc123defg.execute-api.eu-west-1.amazonaws.com/oauth/lever/callback"
	tests := []struct {
		name       string
		configured string
		edit       func(*events.APIGatewayV2HTTPRequest) // nil: no API Gateway context at all
		want       string
		wantCode   apperr.Code
	}{
		{"configured wins", "https://connect.vendor.example/oauth/lever/callback", func(*events.APIGatewayV2HTTPRequest) {}, "https://connect.vendor.example/oauth/lever/callback", ""},
		{"derived from the request context, not the Host header", "", func(*events.APIGatewayV2HTTPRequest) {}, derived, ""},
		{"a named stage is part of the path", "", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.Stage = "prod" },
			"https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/oauth/lever/callback", ""},
		{"no API Gateway context and nothing configured", "", nil, "", apperr.Internal},
		{"malformed domain", "", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.DomainName = "evil.example/x?" }, "", apperr.Internal},
		{"empty domain", "", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.DomainName = "" }, "", apperr.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *http.Request
			if tt.edit == nil {
				r = httptest.NewRequest("GET", "https://evil.example/oauth/lever/callback", nil)
			} else {
				ev := callbackEvent(t)
				tt.edit(&ev)
				var err error
				r, err = (&core.RequestAccessorV2{}).EventToRequestWithContext(context.Background(), ev)
				if err != nil {
					t.Fatal(err)
				}
			}
			got, err := httpapi.CallbackURL(tt.configured, r)
			if tt.wantCode != "" {
				if !apperr.Is(err, tt.wantCode) {
					t.Fatalf("got %q, %v; want an %s error", got, err, tt.wantCode)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

type recordingCompleter struct{ redirectURL, state string }

func (c *recordingCompleter) CallbackInBrowser(_ context.Context, redirectURL string, q url.Values, _ string) connection.CallbackResult {
	c.redirectURL, c.state = redirectURL, q.Get("state")
	return connection.CallbackResult{Status: "connected", Redirect: "https://vendor.example/settings?status=connected"}
}

// TestOAuthCallbackDerivesItsURL invokes the callback handler at the JSON
// boundary, as Lambda does, and checks the exchange gets the URL of the API
// that served the request.
func TestOAuthCallbackDerivesItsURL(t *testing.T) {
	for _, tt := range []struct{ configured, want string }{
		{"", "https://abc123defg.execute-api.eu-west-1.amazonaws.com/oauth/lever/callback"},
		{"https://connect.vendor.example/oauth/lever/callback", "https://connect.vendor.example/oauth/lever/callback"},
	} {
		c := &recordingCompleter{}
		h := &httpapi.OAuthCallback{Connect: c, RedirectURL: tt.configured}
		resp, err := httpadapter.NewV2(h).ProxyWithContext(context.Background(), callbackEvent(t))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusFound || c.redirectURL != tt.want || c.state != "st4te" {
			t.Errorf("configured %q: status %d, exchange with %q (state %q); want 302 with %q", tt.configured, resp.StatusCode, c.redirectURL, c.state, tt.want)
		}
	}
}

// TestOAuthCallbackWithoutURL shows an error page and consumes nothing when
// no callback URL can be known.
func TestOAuthCallbackWithoutURL(t *testing.T) {
	c := &recordingCompleter{}
	rec := httptest.NewRecorder()
	(&httpapi.OAuthCallback{Connect: c}).ServeHTTP(rec, httptest.NewRequest("GET", "/oauth/lever/callback?code=c&state=s", nil))
	if rec.Code != http.StatusInternalServerError || c.state != "" {
		t.Errorf("got status %d, completer called with state %q; want 500 and no call", rec.Code, c.state)
	}
}
