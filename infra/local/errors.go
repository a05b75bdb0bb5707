package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/httpapi"
)

// jsonErrors answers, in leverlink's JSON error envelope, what the stack's
// own router would otherwise answer as text or as a redirect page: paths
// with dot or empty segments (ServeMux's 301/307 cleaning), routes no
// function serves (404) and known paths with another method (405). Requests
// that reach a function are served unchanged.
func jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !httpapi.CleanPath(r.URL.Path) {
			httpapi.WriteError(w, r, discard, httpapi.ErrUncleanPath)
			return
		}
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder() // ServeMux's own 404 or 405 (with Allow)
		mux.ServeHTTP(rec, r)
		if rec.Code == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.Header().Get("Allow"))
			httpapi.WriteJSON(w, rec.Code, httpapi.ErrorBody{Error: httpapi.ErrorDetail{
				Code: httpapi.CodeMethodNotAllowed, Message: fmt.Sprintf("use %s for this path", rec.Header().Get("Allow")),
			}})
			return
		}
		httpapi.WriteError(w, r, discard, apperr.E(apperr.NotFound, "no route %s %s", r.Method, r.URL.Path))
	})
}

var discard = slog.New(slog.DiscardHandler)

// errPayloadTooLarge is the answer to a request larger than API Gateway's
// payload limit.
var errPayloadTooLarge = apperr.InvalidField("body", "is larger than the %d bytes API Gateway accepts", maxPayload)
