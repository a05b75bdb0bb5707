package httpapi

import (
	"net/http"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/outbox"
)

// feedEvent is one event of GET /events: the envelope the vendor receives,
// and how its delivery stands.
type feedEvent struct {
	outbox.Event
	Delivery outbox.Delivery `json:"delivery"`
}

// listEvents serves GET /v1/companies/{companyId}/events?after=&limit=.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	if s.Events == nil {
		return apperr.E(apperr.Internal, "events feed not configured")
	}
	limit, err := limitQuery(r, outbox.MaxPage)
	if err != nil {
		return err
	}
	p, err := s.Events.List(r.Context(), r.PathValue("companyId"), r.URL.Query().Get("after"), limit)
	if err != nil {
		return err
	}
	out := make([]feedEvent, 0, len(p.Events))
	for _, e := range p.Events {
		out = append(out, feedEvent{Event: e.Event, Delivery: e.Delivery})
	}
	WriteJSON(w, http.StatusOK, map[string]any{"events": out, "cursor": p.Cursor})
	return nil
}

// RedeliverInput is the body of POST /events/redeliver (schema
// RedeliverInput): the cursor after which events are pushed again, "" or
// absent for every event kept.
type RedeliverInput struct {
	After string `json:"after" maxLength:"1024"`
}

// redeliverEvents serves POST /v1/companies/{companyId}/events/redeliver.
func (s *Server) redeliverEvents(w http.ResponseWriter, r *http.Request) error {
	if s.Events == nil {
		return apperr.E(apperr.Internal, "events feed not configured")
	}
	var req RedeliverInput
	if err := Decode(r, &req, true); err != nil {
		return err
	}
	n, err := s.Events.Redeliver(r.Context(), r.PathValue("companyId"), req.After)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusAccepted, map[string]int{"redelivering": n})
	return nil
}
