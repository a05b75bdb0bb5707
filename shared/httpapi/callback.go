package httpapi

import (
	"net/http"
	"regexp"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/leverlink/leverlink/shared/apperr"
)

// CallbackPath is the route of the OAuth callback on the HTTP API
// (template.yaml, OAuthFunction).
const CallbackPath = "/oauth/lever/callback"

// apiDomain is what API Gateway puts in requestContext.domainName: a host
// name, optionally with a port (never a path, user info or spaces).
var apiDomain = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$`)

// CallbackURL is the one place that decides the OAuth redirect URL of a
// request: configured (LEVER_REDIRECT_URL) when set; otherwise derived from
// the HTTP API that serves the request, https://<domainName>[/<stage>]
// /oauth/lever/callback, where domainName and stage come from API Gateway's
// request context (the domain API Gateway served the request on), never from
// the Host header a client controls. The management API and the callback
// are routes of the same HTTP API, so both legs of an authorization derive
// the same URL. Errors: apperr Internal when neither is available (a local
// server without LEVER_REDIRECT_URL) or the domain is malformed.
func CallbackURL(configured string, r *http.Request) (string, error) {
	if configured != "" {
		return configured, nil
	}
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.DomainName == "" {
		return "", apperr.E(apperr.Internal, "no OAuth callback URL: set LEVER_REDIRECT_URL or serve through API Gateway")
	}
	if !apiDomain.MatchString(rc.DomainName) {
		return "", apperr.E(apperr.Internal, "no OAuth callback URL: malformed API domain")
	}
	prefix := ""
	if rc.Stage != "" && rc.Stage != "$default" {
		prefix = "/" + rc.Stage
	}
	return "https://" + rc.DomainName + prefix + CallbackPath, nil
}
