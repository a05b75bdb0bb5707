package httpapi

import (
	"net/http"

	"github.com/leverlink/leverlink/shared/apperr"
)

// exportStatusForPosting answers GET …/export?postingId=: may the Export
// button show for that posting (an export to a posting chosen now).
func (s *Server) exportStatusForPosting(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("positionId") != "" {
		return apperr.InvalidField("postingId", "give positionId or postingId, not both")
	}
	v, err := s.Exports.StatusForPosting(r.Context(), r.PathValue("companyId"), r.PathValue("candidateId"), q.Get("postingId"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}
