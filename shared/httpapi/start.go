package httpapi

import (
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// StartPath is the route of the start link (template.yaml, OAuthFunction):
// the authorizeUrl the API returns. Opened in the admin's browser, it sets
// the flow cookie (connection.FlowCookie) and redirects to Lever; the
// callback refuses a flow whose cookie this browser does not hold, so an
// admin lured to someone else's authorize link cannot connect their Lever
// account to that company.
const StartPath = "/v1/connect/start"

// flowCookieMaxAge bounds the flow cookie: the state's lifetime.
const flowCookieMaxAge = 15 * 60

// StartURL is the start link of the API serving callbackURL (the same
// deployment, stage and domain). Errors: apperr Internal when callbackURL
// does not end with CallbackPath (a LEVER_REDIRECT_URL on another path).
func StartURL(callbackURL, query string) (string, error) {
	base, ok := strings.CutSuffix(callbackURL, CallbackPath)
	if !ok {
		return "", apperr.E(apperr.Internal, "LEVER_REDIRECT_URL must end with %s", CallbackPath)
	}
	return base + StartPath + "?" + query, nil
}

// AuthorizeLink is the link an admin's browser opens to connect Lever, for
// every surface that offers it (the API's authorizeUrl, the setup page's
// Connect button): the start link of the deployment serving callbackURL,
// carrying leverURL (connection.Service.Authorize's authorize URL) signed
// with flowKey, so the browser that opens it gets the flow cookie the
// callback checks. Errors: StartURL's.
func AuthorizeLink(flowKey []byte, callbackURL, leverURL string) (string, error) {
	return StartURL(callbackURL, connection.StartQuery(flowKey, leverURL))
}

// start serves the start link: GET only; a link not made by this
// deployment shows an error page.
func (h *OAuthCallback) start(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r, h.log(), http.MethodGet)
		return
	}
	leverURL, state, err := connection.OpenStart(h.FlowKey, r.URL.Query())
	if err != nil {
		h.log().InfoContext(r.Context(), "oauth start refused", "code", string(apperr.CodeOf(err)), "field", fieldOf(err))
		h.errorPage(w, http.StatusBadRequest, "invalid_start_link")
		return
	}
	cb, _ := CallbackURL(h.RedirectURL, r)
	http.SetCookie(w, &http.Cookie{
		Name: connection.FlowCookie, Value: connection.FlowCookieValue(h.FlowKey, state),
		Path: "/", MaxAge: flowCookieMaxAge, HttpOnly: true,
		Secure:   !strings.HasPrefix(cb, "http://"), // a local stack on plain http keeps it
		SameSite: http.SameSiteLaxMode,              // Lever's redirect back is a top-level GET
	})
	http.Redirect(w, r, leverURL, http.StatusFound)
}

func (h *OAuthCallback) errorPage(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, errorPage, html.EscapeString(reason))
}

func fieldOf(err error) string {
	if e := apperr.As(err); e != nil {
		return e.Field
	}
	return ""
}
