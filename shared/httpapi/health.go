package httpapi

import (
	"net/http"

	"github.com/leverlink/leverlink/shared/health"
)

// wrapVendor is wrap for a route about the whole deployment (no company in
// the path): only an unscoped key, the vendor backend's, is accepted.
func (s *Server) wrapVendor(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := authorize(r.Context(), s.Keys, r.Header.Get("Authorization"), "")
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

// getHealth is GET /v1/health: the deployment's Lever client credentials
// state (health.Status).
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) error {
	v, err := health.Status(r.Context(), s.Health)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}
