package connect_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lambdahandler"
)

// apiEvent is an API Gateway HTTP API (payload 2.0) request as Lambda hands
// it to the api and oauth functions: the domain API Gateway served it on is
// in requestContext.domainName; the Host header is whatever the client sent.
func apiEvent(method, path, rawQuery, body, domain string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: method + " " + path, RawPath: path, RawQueryString: rawQuery, Body: body,
		Headers: map[string]string{
			"host": "evil.example", "content-type": "application/json",
			"authorization": "Bearer " + apptest.APIKey,
		},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: domain, Stage: "$default", RequestID: "req-1",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.7"},
		},
	}
}

// TestConnectWithDerivedCallbackURL is a first deploy without
// LeverRedirectUrl: the api function builds the authorize URL with the
// callback of the HTTP API that served it, the oauth function exchanges the
// code with the same URL, and Lever (the fake, which accepts only the
// registered redirect URI and requires the same one at the token endpoint)
// connects the company. The Host header plays no part.
func TestConnectWithDerivedCallbackURL(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t, apptest.WithConfig(func(c *config.Config) { c.LeverRedirectURL = "" }))
	u, _ := url.Parse(apptest.RedirectURL) // registered with the fake Lever
	apiFn := lambdahandler.HTTP(e.API)
	oauthFn := lambdahandler.HTTP(e.Callback)
	ctx := context.Background()

	resp, err := apiFn(ctx, apiEvent("POST", "/v1/companies/acme/connection/authorize", "",
		`{"returnUrl":"`+apptest.ReturnURL+`","environment":"production"}`, u.Host))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize: got %d %v %s", resp.StatusCode, err, resp.Body)
	}
	var got struct {
		AuthorizeURL string `json:"authorizeUrl"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	// The authorize URL is the start link on the same API: the oauth
	// function sets the flow cookie and redirects to Lever.
	start, _ := url.Parse(got.AuthorizeURL)
	if start.Host != u.Host || start.Path != httpapi.StartPath {
		t.Fatalf("authorizeUrl %s: want the start link on %s", start, u.Host)
	}
	sr, err := oauthFn(ctx, apiEvent("GET", start.Path, start.RawQuery, "", start.Host))
	if err != nil || sr.StatusCode != http.StatusFound || len(sr.Cookies) != 1 {
		t.Fatalf("start link: got %d %v cookies %v", sr.StatusCode, err, sr.Cookies)
	}
	flowCookie, _, _ := strings.Cut(sr.Cookies[0], ";")
	au, _ := url.Parse(sr.Headers["Location"])
	if ru := au.Query().Get("redirect_uri"); ru != apptest.RedirectURL {
		t.Fatalf("authorize URL redirect_uri = %q, want %q (derived from requestContext.domainName)", ru, apptest.RedirectURL)
	}

	// Consent at the fake; its redirect goes to the callback, served by the
	// oauth function on the same API.
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cr, err := hc.Get(au.String())
	if err != nil {
		t.Fatal(err)
	}
	cr.Body.Close()
	loc, err := url.Parse(cr.Header.Get("Location"))
	if err != nil || cr.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), apptest.RedirectURL) {
		t.Fatalf("fake authorize: status %d location %q", cr.StatusCode, cr.Header.Get("Location"))
	}
	cbEvent := apiEvent("GET", loc.Path, loc.RawQuery, "", loc.Host)
	cbEvent.Cookies = []string{flowCookie}
	cb, err := oauthFn(ctx, cbEvent)
	if err != nil || cb.StatusCode != http.StatusFound {
		t.Fatalf("callback: got %d %v %s\n%s", cb.StatusCode, err, cb.Body, e.Logs.String())
	}
	back, _ := url.Parse(cb.Headers["Location"])
	if back.Query().Get("status") != "connected" {
		t.Fatalf("callback redirected to %s, want status=connected", back)
	}
	if v := view(t, e, "acme"); v.Status != connection.Connected {
		t.Errorf("status = %q, want connected", v.Status)
	}
}

// TestDerivedCallbackOnAnotherDomainFails: a callback URL the vendor did not
// register (another API) is refused by Lever at the authorize step, so a
// wrong derivation cannot connect silently.
func TestDerivedCallbackOnAnotherDomainFails(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t, apptest.WithConfig(func(c *config.Config) { c.LeverRedirectURL = "" }))
	resp, err := lambdahandler.HTTP(e.API)(context.Background(), apiEvent("POST", "/v1/companies/acme/connection/authorize", "",
		`{"returnUrl":"`+apptest.ReturnURL+`"}`, "other123.execute-api.eu-west-1.amazonaws.com"))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize: got %d %v", resp.StatusCode, err)
	}
	var got struct {
		AuthorizeURL string `json:"authorizeUrl"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &got)
	start, _ := url.Parse(got.AuthorizeURL)
	sr, err := lambdahandler.HTTP(e.Callback)(context.Background(), apiEvent("GET", start.Path, start.RawQuery, "", start.Host))
	if err != nil || sr.StatusCode != http.StatusFound {
		t.Fatalf("start link: got %d %v", sr.StatusCode, err)
	}
	cr, err := http.Get(sr.Headers["Location"])
	if err != nil {
		t.Fatal(err)
	}
	cr.Body.Close()
	if cr.StatusCode != http.StatusBadRequest {
		t.Errorf("fake authorize with an unregistered redirect_uri: status %d, want 400", cr.StatusCode)
	}
}
