package httpapi

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// Completer completes the OAuth round trip (connection.Service).
type Completer interface {
	CallbackInBrowser(ctx context.Context, redirectURL string, q url.Values, flowCookie string) connection.CallbackResult
}

// OAuthCallback is the handler of GET /oauth/lever/callback. It redirects
// the admin's browser to the vendor's return URL with status=connected or
// status=error&reason=…; when no trustworthy return URL is known (unknown,
// forged or replayed state) it shows a short error page instead.
type OAuthCallback struct {
	Connect     Completer
	RedirectURL string // LEVER_REDIRECT_URL; "" - derived per request (CallbackURL)
	FlowKey     []byte // connection.DeriveKey(token key, connection.FlowPurpose): start links and flow cookies
	Log         *slog.Logger
}

// errorPage is the page shown when no return URL can be trusted. (Not
// html/template: it would keep the linker from dropping unused methods and
// grow the bootstrap by several megabytes.)
const errorPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Lever connection failed</title></head>
<body><h1>Lever connection failed</h1><p>Reason: %s</p>
<p>Start again from the integration settings of your account.</p></body></html>
`

// ServeHTTP implements http.Handler.
func (h *OAuthCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = withRequestID(w, r)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if strings.HasSuffix(r.URL.Path, StartPath) {
		h.start(w, r)
		return
	}
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r, h.log(), http.MethodGet)
		return
	}
	cb, err := CallbackURL(h.RedirectURL, r)
	if err != nil {
		h.log().ErrorContext(r.Context(), "oauth callback", "code", string(apperr.CodeOf(err)), "err", err)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, errorPage, "internal_error")
		return
	}
	flowCookie := ""
	if c, err := r.Cookie(connection.FlowCookie); err == nil {
		flowCookie = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: connection.FlowCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: !strings.HasPrefix(cb, "http://"), SameSite: http.SameSiteLaxMode})
	res := h.Connect.CallbackInBrowser(r.Context(), cb, r.URL.Query(), flowCookie)
	if res.Redirect != "" {
		http.Redirect(w, r, res.Redirect, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	status := http.StatusBadRequest
	if res.Reason == "temporary_error" { // the state store failed: trying again may work
		status = http.StatusServiceUnavailable
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, errorPage, html.EscapeString(res.Reason))
}

func (h *OAuthCallback) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
