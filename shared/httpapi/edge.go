package httpapi

import (
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Envelope codes that are not apperr codes: the edge answers them itself.
const (
	// CodeMethodNotAllowed is the code of a 405: the path exists, the
	// method does not (the Allow header lists the ones that do).
	CodeMethodNotAllowed = "method_not_allowed"
)

// envelopeCode is the envelope code of an error answered with status. A 422
// (a well-formed request the company's current state does not allow; the
// reason says why) is invalid, whatever the apperr code behind it (never
// unauthorized: the caller's credentials are fine).
func envelopeCode(status int, c apperr.Code) string {
	if status == http.StatusUnprocessableEntity {
		return string(apperr.Invalid)
	}
	return string(c)
}

// CleanPath reports whether p has no dot segments ("." or ".."), no empty
// segments ("//") and no trailing slash: the paths ServeMux would answer
// with a redirect page instead of routing them.
func CleanPath(p string) bool {
	if p == "/" {
		return true
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// ErrUncleanPath is the answer to a path CleanPath refuses.
var ErrUncleanPath = apperr.InvalidField("path", "must not contain '.' or '..' segments, empty segments or a trailing slash")

// edge is the one entry of an HTTP function: it gives the request its id,
// refuses paths ServeMux would redirect (dot segments, empty segments) with
// the JSON envelope instead of a 301/307 page, and answers unknown routes
// (404) and known paths with another method (405, with Allow) with the
// envelope too. routes maps each path pattern to its methods.
type edge struct {
	mux    *http.ServeMux
	routes map[string][]string
	trees  map[string]http.Handler
	log    func() *slog.Logger
}

// treeRoot reports whether p is the root of a mounted tree ("/setup" or
// "/setup/"): the tree answers those itself (its own redirect included).
func treeRoot(trees map[string]http.Handler, p string) bool {
	_, ok := trees[strings.TrimSuffix(p, "/")]
	return ok
}

// newEdge registers on mux every tree of trees (a handler serving its root
// path and everything under it, such as the setup page, which answers its
// own 404s and 405s) and a catch-all answering 405 (with Allow) for a path
// of routes asked with a method it does not serve, else 404; then returns
// the edge around mux. The 405 paths live in a mux of their own, without
// methods, so that they never conflict with mux's method patterns.
func newEdge(mux *http.ServeMux, routes map[string][]string, trees map[string]http.Handler, log func() *slog.Logger) http.Handler {
	e := &edge{mux: mux, routes: routes, trees: trees, log: log}
	for root, h := range trees {
		mux.Handle(root, h)
		mux.Handle(root+"/", h)
	}
	others := http.NewServeMux()
	for p, methods := range routes {
		allow := append([]string(nil), methods...)
		sort.Strings(allow)
		others.Handle(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeEnvelope(w, r, e.log(), http.StatusMethodNotAllowed, ErrorDetail{
				Code: CodeMethodNotAllowed, Message: "use " + strings.Join(allow, " or ") + " for this path",
			})
		}))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if h, pattern := others.Handler(r); pattern != "" {
			h.ServeHTTP(w, r)
			return
		}
		WriteError(w, r, e.log(), apperr.E(apperr.NotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	return e
}

// ServeHTTP implements http.Handler.
func (e *edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = withRequestID(w, r)
	if !CleanPath(r.URL.Path) && !treeRoot(e.trees, r.URL.Path) {
		WriteError(w, r, e.log(), ErrUncleanPath)
		return
	}
	e.mux.ServeHTTP(w, r)
}

// methodNotAllowed answers a 405 envelope allowing only method.
func methodNotAllowed(w http.ResponseWriter, r *http.Request, log *slog.Logger, method string) {
	w.Header().Set("Allow", method)
	writeEnvelope(w, r, log, http.StatusMethodNotAllowed, ErrorDetail{Code: CodeMethodNotAllowed, Message: "use " + method + " for this path"})
}

// writeEnvelope writes one error envelope the edge decided itself, logging
// its code.
func writeEnvelope(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, d ErrorDetail) {
	log.InfoContext(r.Context(), "request refused", "method", r.Method, "status", status, "code", d.Code)
	WriteJSON(w, status, ErrorBody{Error: d})
}
