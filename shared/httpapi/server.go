package httpapi

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/health"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/outbox"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/settings"
)

// LeverStatus reads an exported opportunity's last known Lever state
// (leversync.StateStore; apperr NotFound when it is not followed).
type LeverStatus interface {
	Get(ctx context.Context, companyID, opportunityID string) (leversync.State, error)
}

// Server is the management API. Build it once per cold start; Handler is
// safe for concurrent use.
type Server struct {
	Keys     KeySource
	Connect  *connection.Service
	Postings posting.Store
	// PostingContents holds postings' oversized content (nil: none kept
	// outside the cache; see posting.ContentStore).
	PostingContents posting.ContentStore
	Refresher       *posting.Refresher
	Links           link.Store
	LinkService     *link.Service
	Exports         *export.Service
	Settings        *settings.Service
	Events          *outbox.Feed  // the outbound events feed
	Erasure         Eraser        // DELETE /candidates/{candidateId}
	Health          health.Store  // the deployment's state (GET /v1/health)
	LeverStatus     LeverStatus   // exported opportunities' Lever state (GET …/export)
	ReloadTimeout   time.Duration // default 20s (the HTTP API allows 30)
	RedirectURL     string        // LEVER_REDIRECT_URL; "" - derived per request (CallbackURL)
	ResumeHosts     []string      // RESUME_ALLOWED_HOSTS: the hosts a snapshot's resume URL may name
	FlowKey         []byte        // binds OAuth flows: connection.DeriveKey(token key, connection.FlowPurpose)
	CursorKey       []byte        // signs page cursors (connection.DeriveKey(token key, CursorPurpose)); nil - a per-process key
	Log             *slog.Logger
	// Setup is the hosted setup page (shared/setup), nil when not wired.
	Setup SetupPage
}

// Eraser erases a candidate (erasure.Service.Erase): everything leverlink
// holds for it but an anonymous tombstone.
type Eraser interface {
	Erase(ctx context.Context, companyID, candidateID string) (erasure.Report, error)
}

// SetupPage is the hosted setup page: it serves everything under /setup/
// (authenticated by its own session cookie) and mints sessions through
// the management route POST /setup-sessions (behind the bearer key).
type SetupPage interface {
	http.Handler
	CreateSession(w http.ResponseWriter, r *http.Request) error
}

// Handler returns the routes, each behind authentication.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	const c = "/v1/companies/{companyId}"
	paths := map[string][]string{}
	route := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, s.wrap(h))
		method, path, _ := strings.Cut(pattern, " ")
		paths[path] = append(paths[path], method)
	}
	mux.Handle("GET /v1/health", s.wrapVendor(s.getHealth))
	paths["/v1/health"] = []string{"GET"}
	route("POST "+c+"/connection/authorize", s.authorizeConnection)
	route("GET "+c+"/connection", s.getConnection)
	route("DELETE "+c+"/connection", s.deleteConnection)
	route("PUT "+c+"/connection/perform-as", s.putPerformAs)
	route("GET "+c+"/postings", s.listPostings)
	route("POST "+c+"/postings/reload", s.reloadPostings)
	route("GET "+c+"/postings/{postingId}", s.getPosting)
	route("GET "+c+"/links", s.listLinks)
	route("PUT "+c+"/links/{positionId}", s.putLink)
	route("DELETE "+c+"/links/{positionId}", s.deleteLink)
	route("POST "+c+"/candidates/{candidateId}/export", s.requestExport)
	route("GET "+c+"/candidates/{candidateId}/export", s.exportStatus)
	route("DELETE "+c+"/candidates/{candidateId}", s.eraseCandidate)
	route("GET "+c+"/settings", s.getSettings)
	route("PUT "+c+"/settings", s.putSettings)
	route("GET "+c+"/exports", s.listExports)
	route("POST "+c+"/exports/{candidateId}/retry", s.retryExport)
	route("GET "+c+"/events", s.listEvents)
	route("POST "+c+"/events/redeliver", s.redeliverEvents)
	route("GET "+c+"/activities", s.listActivities)
	route("POST "+c+"/exports/{candidateId}/activities/retry", s.retryActivity)
	var trees map[string]http.Handler
	if s.Setup != nil {
		route("POST "+c+"/setup-sessions", s.Setup.CreateSession)
		// The page answers its own paths (404s, the /setup/ redirect) with
		// its security headers; the edge gives them request ids.
		trees = map[string]http.Handler{"/setup": s.Setup}
	}
	return newEdge(mux, paths, trees, s.log)
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// wrap adds the request id, authentication, path validation and error
// translation around a handler.
func (s *Server) wrap(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		companyID := r.PathValue("companyId")
		err := event.CheckID("companyId", companyID)
		if err == nil {
			err = authorize(r.Context(), s.Keys, r.Header.Get("Authorization"), companyID)
		}
		for _, p := range []string{"positionId", "candidateId", "postingId"} {
			if v := r.PathValue(p); err == nil && v != "" {
				err = event.CheckID(p, v)
			}
		}
		if err == nil {
			err = checkQuery(r)
		}
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			WriteError(w, r, s.log(), err)
		}
	})
}

func (s *Server) authorizeConnection(w http.ResponseWriter, r *http.Request) error {
	var in connection.AuthorizeInput
	if err := Decode(r, &in, false); err != nil {
		return err
	}
	cb, err := CallbackURL(s.RedirectURL, r)
	if err != nil {
		return err
	}
	u, err := s.Connect.Authorize(r.Context(), r.PathValue("companyId"), cb, in)
	if err != nil {
		return err
	}
	start, err := AuthorizeLink(s.FlowKey, cb, u)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]string{"authorizeUrl": start})
	return nil
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Connect.Status(r.Context(), r.PathValue("companyId"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Connect.Disconnect(r.Context(), r.PathValue("companyId"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) listPostings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	full, err := posting.ParseInclude(q.Get("include"))
	if err != nil {
		return err
	}
	v, err := posting.ListFull(r.Context(), s.Postings, s.PostingContents, r.PathValue("companyId"), q.Get("state"), q.Get("q"), full)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) getPosting(w http.ResponseWriter, r *http.Request) error {
	p, err := posting.Full(r.Context(), s.Postings, s.PostingContents, r.PathValue("companyId"), r.PathValue("postingId"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) reloadPostings(w http.ResponseWriter, r *http.Request) error {
	timeout := s.ReloadTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	companyID := r.PathValue("companyId")
	res, err := posting.Reload(ctx, s.Refresher, companyID, 0)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v, err := posting.List(r.Context(), s.Postings, companyID, q.Get("state"), q.Get("q"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, struct {
		posting.ListView
		Reload posting.Result `json:"reload"`
	}{v, res})
	return nil
}

func (s *Server) listLinks(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.Links.List(r.Context(), r.PathValue("companyId"))
	if err != nil {
		return err
	}
	out := make([]link.View, 0, len(ls))
	for _, l := range ls {
		out = append(out, link.ViewOf(l))
	}
	WriteJSON(w, http.StatusOK, map[string]any{"links": out})
	return nil
}

func (s *Server) putLink(w http.ResponseWriter, r *http.Request) error {
	var in link.PutInput
	if err := Decode(r, &in, false); err != nil {
		return err
	}
	l, err := s.LinkService.Put(r.Context(), r.PathValue("companyId"), r.PathValue("positionId"), in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, link.ViewOf(l))
	return nil
}

func (s *Server) deleteLink(w http.ResponseWriter, r *http.Request) error {
	if err := s.Links.Delete(r.Context(), r.PathValue("companyId"), r.PathValue("positionId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) requestExport(w http.ResponseWriter, r *http.Request) error {
	var in export.ExportRequest
	if err := Decode(r, &in, false); err != nil {
		return err
	}
	if err := checkResume("candidate", s.ResumeHosts, &in.Candidate); err != nil {
		return err
	}
	v, err := s.Exports.RequestExport(r.Context(), r.PathValue("companyId"), r.PathValue("candidateId"), in)
	return s.exportAnswer(w, r, v, err, http.StatusAccepted)
}

// exportAnswer writes the view with the status, or the error envelope
// extended with the view (409 carries the Lever URL; 422 the reason).
func (s *Server) exportAnswer(w http.ResponseWriter, r *http.Request, v export.StatusView, err error, ok int) error {
	if err == nil {
		WriteJSON(w, ok, v)
		return nil
	}
	e := apperr.As(err)
	if e == nil || (e.Reason == "" && e.Code != apperr.Conflict) || e.Field != "" {
		return err
	}
	WriteJSON(w, Status(err), struct {
		ErrorBody
		Export export.StatusView `json:"export"`
	}{ErrorBody{errorDetail(err)}, v})
	return nil
}

// eraseCandidate is the vendor's erasure request: 200 with what was
// removed (the same shape again for a candidate erased already); 409
// in_progress with Retry-After while an export may be writing to Lever.
func (s *Server) eraseCandidate(w http.ResponseWriter, r *http.Request) error {
	if s.Erasure == nil {
		return apperr.E(apperr.NotFound, "erasure is not available")
	}
	rep, err := s.Erasure.Erase(r.Context(), r.PathValue("companyId"), r.PathValue("candidateId"))
	if e := apperr.As(err); e != nil && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) exportStatus(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Has("postingId") {
		return s.exportStatusForPosting(w, r)
	}
	pos := r.URL.Query().Get("positionId")
	if pos != "" {
		if err := event.CheckID("positionId", pos); err != nil {
			return err
		}
	}
	v, err := s.Exports.Status(r.Context(), r.PathValue("companyId"), r.PathValue("candidateId"), pos)
	if err != nil {
		return err
	}
	out := struct {
		export.StatusView
		// Lever is what Lever says about the exported opportunity now
		// (its last change leverlink saw); absent before an export and
		// after an erasure (the opportunity is forgotten).
		Lever *leversync.View `json:"lever,omitempty"`
	}{StatusView: v}
	if s.LeverStatus != nil && v.OpportunityID != "" && v.State != string(export.Erased) {
		st, err := s.LeverStatus.Get(r.Context(), r.PathValue("companyId"), v.OpportunityID)
		switch {
		case err == nil && st.Forgotten:
		case err == nil:
			lv := leversync.ViewOf(st)
			out.Lever = &lv
		case !apperr.Is(err, apperr.NotFound):
			return err
		}
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

// page is a state listing's query: the state (failed when absent), the
// limit (0 when absent: the store's default) and the store's cursor opened
// from the signed one the client sent ("" on the first page).
type page struct {
	state, cursor string
	limit         int
}

// pageQuery reads a state listing's query for the listing named kind
// ("exports", "activities"): state, limit (1 to 100) and a cursor this API
// signed for this company, listing and state. Errors: apperr Invalid naming
// limit or cursor.
func (s *Server) pageQuery(r *http.Request, kind string) (page, error) {
	q := r.URL.Query()
	p := page{state: q.Get("state")}
	if p.state == "" {
		p.state = string(export.Failed)
	}
	n, err := limitQuery(r, 100)
	if err != nil {
		return page{}, err
	}
	p.limit = n
	if c := q.Get("cursor"); c != "" {
		raw, err := openCursor(s.cursorKey(), r.PathValue("companyId"), kind+"/"+p.state, c)
		if err != nil {
			return page{}, err
		}
		p.cursor = raw
	}
	return p, nil
}

// limitQuery reads a listing's limit: 0 when absent (the store's default),
// else an integer from 1 to max. Errors: apperr Invalid naming limit.
func limitQuery(r *http.Request, max int) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > max {
		return 0, apperr.InvalidField("limit", "must be an integer from 1 to %d", max)
	}
	return n, nil
}

// nextCursor signs the store's next cursor for the listing pageQuery read.
func (s *Server) nextCursor(r *http.Request, kind string, p page, next string) string {
	return signCursor(s.cursorKey(), r.PathValue("companyId"), kind+"/"+p.state, next)
}

func (s *Server) listExports(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageQuery(r, "exports")
	if err != nil {
		return err
	}
	items, next, err := s.Exports.Failed(r.Context(), r.PathValue("companyId"), p.state, p.cursor, p.limit)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"exports": items, "nextCursor": s.nextCursor(r, "exports", p, next)})
	return nil
}

func (s *Server) retryExport(w http.ResponseWriter, r *http.Request) error {
	var in export.ExportRequest
	if err := Decode(r, &in, false); err != nil {
		return err
	}
	if err := checkResume("candidate", s.ResumeHosts, &in.Candidate); err != nil {
		return err
	}
	v, err := s.Exports.Retry(r.Context(), r.PathValue("companyId"), r.PathValue("candidateId"), in)
	if apperr.ReasonOf(err) == "not_failed" {
		return err
	}
	return s.exportAnswer(w, r, v, err, http.StatusAccepted)
}

func (s *Server) listActivities(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pageQuery(r, "activities")
	if err != nil {
		return err
	}
	items, next, err := s.Exports.ListActivities(r.Context(), r.PathValue("companyId"), p.state, p.cursor, p.limit)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"activities": items, "nextCursor": s.nextCursor(r, "activities", p, next)})
	return nil
}

func (s *Server) retryActivity(w http.ResponseWriter, r *http.Request) error {
	var in export.ActivityRetry
	if err := Decode(r, &in, false); err != nil {
		return err
	}
	v, err := s.Exports.RetryActivity(r.Context(), r.PathValue("companyId"), r.PathValue("candidateId"), in)
	if err == nil {
		WriteJSON(w, http.StatusAccepted, v)
		return nil
	}
	e := apperr.As(err)
	if e == nil || e.Reason == "" || e.Field != "" {
		return err
	}
	WriteJSON(w, Status(err), struct {
		ErrorBody
		Activity export.ActivityView `json:"activity"`
	}{ErrorBody{errorDetail(err)}, v})
	return nil
}
