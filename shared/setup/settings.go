package setup

import (
	"context"
	"net/http"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/settings"
)

// AuditPrefix starts the updatedBy of a change made on the setup page,
// where no API key is presented: "setup:" and the first characters of the
// session's nonce (see Session.AuditID).
const AuditPrefix = "setup:"

// auditIDLength is how many characters of the nonce the audit id keeps: 8
// base64url characters (48 bits) tell sessions apart in an audit trail.
// The nonce is not a secret (it travels in the signed, unencrypted token
// and the CSRF token is an HMAC of it under a key the page never sees).
const auditIDLength = 8

// AuditID is who a change made through this session is recorded as
// (settings' updatedBy): "setup:" + the first 8 characters of the session
// nonce, e.g. "setup:Qm9vTGFi". The session's mint is logged with the
// same id ("setup session minted", session_id), so a vendor can tell which
// session, and so which of its users, made a change.
func (s Session) AuditID() string {
	n := s.Nonce
	if len(n) > auditIDLength {
		n = n[:auditIDLength]
	}
	return AuditPrefix + n
}

// SettingsView is the company's settings as the page shows them: the
// public document (with updatedAt/updatedBy) and the ETag to send back in
// If-Match when saving.
type SettingsView struct {
	settings.Document
	ETag string `json:"etag"`
}

func settingsView(st settings.Settings) SettingsView {
	d, etag := settings.View(st)
	return SettingsView{Document: d, ETag: etag}
}

// settingsOf reads the company's settings (the defaults when it never
// wrote any).
func (h *Handler) settingsOf(ctx context.Context, companyID string) (SettingsView, error) {
	if h.Settings == nil {
		return SettingsView{}, apperr.E(apperr.Internal, "setup page: no settings service")
	}
	st, err := h.Settings.Get(ctx, companyID)
	if err != nil {
		return SettingsView{}, err
	}
	return settingsView(st), nil
}

// getSettings answers GET /setup/api/settings: the session company's
// settings, with the ETag also in the ETag header.
func (h *Handler) getSettings(w http.ResponseWriter, r *http.Request, s Session) error {
	v, err := h.settingsOf(r.Context(), s.CompanyID)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", v.ETag)
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// putSettings answers PUT /setup/api/settings: the whole document for the
// session's company, recorded as the session's AuditID. Unlike the API's
// first write, the page must always send If-Match (it always read a
// version, "0" for the defaults), so two admins never overwrite each
// other: a missing one is 428 if_match_required, a stale one 412
// stale_version (the page then shows the current settings).
func (h *Handler) putSettings(w http.ResponseWriter, r *http.Request, s Session) error {
	if h.Settings == nil {
		return apperr.E(apperr.Internal, "setup page: no settings service")
	}
	ifMatch := r.Header.Get("If-Match")
	if ifMatch == "" {
		e := apperr.E(apperr.Invalid, "send If-Match with the etag the page read").WithReason(settings.ReasonIfMatchRequired)
		e.Field = "If-Match"
		return e
	}
	var d settings.Document
	if err := httpapi.Decode(r, &d, false); err != nil {
		return err
	}
	st, err := h.Settings.Put(r.Context(), s.CompanyID, ifMatch, s.AuditID(), d)
	if err != nil {
		return err
	}
	h.log().InfoContext(r.Context(), "setup page changed settings", "company_id", s.CompanyID, "version", st.Version, "updated_by", st.UpdatedBy)
	v := settingsView(st)
	w.Header().Set("ETag", v.ETag)
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}
