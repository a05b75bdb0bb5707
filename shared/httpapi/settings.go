package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/leverlink/leverlink/shared/settings"
)

// KeyID is a non-secret id of an API key, for audit fields and logs: the
// first 8 hex digits of the key's SHA-256. It cannot be turned back into
// the key; the vendor computes the same from its own key list
// (`printf %s "$KEY" | sha256sum | cut -c1-8`).
func KeyID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}

// presentedKeyID is the KeyID of the request's bearer key (already
// authenticated by wrap).
func presentedKeyID(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) {
		return ""
	}
	return KeyID(strings.TrimSpace(h[len(prefix):]))
}

// getSettings answers GET …/settings: the document (the defaults for a
// company that never wrote any) with its ETag.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Settings.Get(r.Context(), r.PathValue("companyId"))
	if err != nil {
		return err
	}
	writeSettings(w, st)
	return nil
}

// putSettings answers PUT …/settings: the whole document, conditioned on
// If-Match (412 stale_version when stale; 428 if_match_required when
// settings exist and If-Match is missing; a first write may omit it).
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var d settings.Document
	if err := Decode(r, &d, false); err != nil {
		return err
	}
	// updatedAt and updatedBy are read-only: a document echoed from GET is
	// accepted and they are set by the server.
	st, err := s.Settings.Put(r.Context(), r.PathValue("companyId"), r.Header.Get("If-Match"), presentedKeyID(r), d)
	if err != nil {
		return err
	}
	s.log().InfoContext(r.Context(), "settings changed", "company_id", r.PathValue("companyId"), "version", st.Version, "updated_by", st.UpdatedBy)
	writeSettings(w, st)
	return nil
}

func writeSettings(w http.ResponseWriter, st settings.Settings) {
	d, etag := settings.View(st)
	w.Header().Set("ETag", etag)
	WriteJSON(w, http.StatusOK, d)
}
