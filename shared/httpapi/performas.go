package httpapi

import (
	"net/http"

	"github.com/leverlink/leverlink/shared/connection"
)

// putPerformAs is PUT /connection/perform-as {email}: choose (or repair)
// the Lever user leverlink acts as, without reconnecting
// (connection.Service.SetPerformAs). It answers the connection view.
func (s *Server) putPerformAs(w http.ResponseWriter, r *http.Request) error {
	var in connection.PerformAsInput
	if err := Decode(r, &in, false); err != nil {
		return err
	}
	v, err := s.Connect.SetPerformAs(r.Context(), r.PathValue("companyId"), in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}
