package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/outbox"
	"github.com/leverlink/leverlink/shared/posting"
)

// Server is the management API. Build it once per cold start; Handler is
// safe for concurrent use.
type Server struct {
	Keys          KeySource
	Connect       *connection.Service
	Postings      posting.Store
	Refresher     *posting.Refresher
	Links         link.Store
	LinkService   *link.Service
	Exports       *export.Service
	Events        *outbox.Feed  // the outbound events feed
	ReloadTimeout time.Duration // default 20s (the HTTP API allows 30)
	RedirectURL   string        // LEVER_REDIRECT_URL; "" - derived per request (CallbackURL)
	Log           *slog.Logger
}

// Handler returns the routes, each behind authentication.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	const c = "/v1/companies/{companyId}"
	route := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, s.wrap(h))
	}
	route("POST "+c+"/connection/authorize", s.authorizeConnection)
	route("GET "+c+"/connection", s.getConnection)
	route("DELETE "+c+"/connection", s.deleteConnection)
	route("GET "+c+"/postings", s.listPostings)
	route("POST "+c+"/postings/reload", s.reloadPostings)
	route("GET "+c+"/links", s.listLinks)
	route("PUT "+c+"/links/{positionId}", s.putLink)
	route("DELETE "+c+"/links/{positionId}", s.deleteLink)
	route("POST "+c+"/candidates/{candidateId}/export", s.requestExport)
	route("GET "+c+"/candidates/{candidateId}/export", s.exportStatus)
	route("GET "+c+"/exports", s.listExports)
	route("POST "+c+"/exports/{candidateId}/retry", s.retryExport)
	route("GET "+c+"/events", s.listEvents)
	route("POST "+c+"/events/redeliver", s.redeliverEvents)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, s.log(), apperr.E(apperr.NotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	return mux
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
		r = withRequestID(w, r)
		companyID := r.PathValue("companyId")
		err := event.CheckID("companyId", companyID)
		if err == nil {
			err = authorize(r.Context(), s.Keys, r.Header.Get("Authorization"), companyID)
		}
		for _, p := range []string{"positionId", "candidateId"} {
			if v := r.PathValue(p); err == nil && v != "" {
				err = event.CheckID(p, v)
			}
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
	WriteJSON(w, http.StatusOK, map[string]string{"authorizeUrl": u})
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
	if err := s.Connect.Disconnect(r.Context(), r.PathValue("companyId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listPostings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v, err := posting.List(r.Context(), s.Postings, r.PathValue("companyId"), q.Get("state"), q.Get("q"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
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
	status := Status(err)
	WriteJSON(w, status, struct {
		ErrorBody
		Export export.StatusView `json:"export"`
	}{ErrorBody{ErrorDetail{Code: string(e.Code), Message: e.Message, Reason: e.Reason}}, v})
	return nil
}

func (s *Server) exportStatus(w http.ResponseWriter, r *http.Request) error {
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
	WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) listExports(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = string(export.Failed)
	}
	limit := 0
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return apperr.InvalidField("limit", "must be an integer from 1 to 100")
		}
		limit = n
	}
	items, next, err := s.Exports.Failed(r.Context(), r.PathValue("companyId"), state, q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"exports": items, "nextCursor": next})
	return nil
}

func (s *Server) retryExport(w http.ResponseWriter, r *http.Request) error {
	var in export.ExportRequest
	if err := Decode(r, &in, false); err != nil {
		return err
	}
	companyID, candidateID := r.PathValue("companyId"), r.PathValue("candidateId")
	cur, err := s.Exports.Status(r.Context(), companyID, candidateID, in.PositionID)
	if err != nil {
		return err
	}
	if cur.State != string(export.Failed) && cur.State != string(export.Skipped) {
		return apperr.E(apperr.Conflict, "only failed or skipped exports can be retried (state is %s)", cur.State).WithReason("not_failed")
	}
	if in.PositionID == "" {
		in.PositionID = cur.PositionID
	}
	v, err := s.Exports.RequestExport(r.Context(), companyID, candidateID, in)
	return s.exportAnswer(w, r, v, err, http.StatusAccepted)
}
