package setup

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/posting"
)

// How many exports the page shows.
const (
	recentExports = 10
	failedExports = 25
)

// StateView is everything the page shows, read in one request.
type StateView struct {
	CompanyID   string              `json:"companyId"`
	Locale      string              `json:"locale"`
	ExpiresAt   time.Time           `json:"expiresAt"`
	ReturnURL   string              `json:"returnUrl"`
	CSRF        string              `json:"csrf"`
	Connection  connection.View     `json:"connection"`
	Positions   []PositionView      `json:"positions"`
	Postings    []posting.Posting   `json:"postings"`
	RefreshedAt *time.Time          `json:"refreshedAt"`
	Triggers    []link.Trigger      `json:"triggers"`
	Recent      []export.StatusView `json:"recentExports"`
	Failed      []export.StatusView `json:"failedExports"`
	Settings    SettingsView        `json:"settings"`
}

// PositionView is one of the session's positions with its link, if any.
type PositionView struct {
	Position
	Link *link.View `json:"link"`
}

func (h *Handler) state(w http.ResponseWriter, r *http.Request, s Session) error {
	v, err := h.stateOf(r.Context(), s)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// stateOf reads the connection, the links of the session's positions, the
// postings and the exports. Links of positions outside the session stay
// invisible.
func (h *Handler) stateOf(ctx context.Context, s Session) (StateView, error) {
	v := StateView{
		CompanyID: s.CompanyID, Locale: s.Locale, ExpiresAt: s.Expires(), ReturnURL: s.ReturnURL,
		CSRF: h.Signer.CSRF(s), Triggers: link.Triggers,
	}
	if v.Locale == "" {
		v.Locale = "en"
	}
	var err error
	if v.Connection, err = h.Connections.Status(ctx, s.CompanyID); err != nil {
		return v, err
	}
	links, err := h.Links.List(ctx, s.CompanyID)
	if err != nil {
		return v, err
	}
	byPos := map[string]link.View{}
	for _, l := range links {
		byPos[l.PositionID] = link.ViewOf(l)
	}
	v.Positions = make([]PositionView, 0, len(s.Positions))
	for _, p := range s.Positions {
		pv := PositionView{Position: p}
		if l, ok := byPos[p.ID]; ok {
			pv.Link = &l
		}
		v.Positions = append(v.Positions, pv)
	}
	pl, err := h.Postings.List(ctx, s.CompanyID)
	if err != nil {
		return v, err
	}
	v.Postings, v.RefreshedAt = pl.Postings, pl.RefreshedAt
	if v.Postings == nil {
		v.Postings = []posting.Posting{}
	}
	if v.Recent, _, err = h.Exports.Failed(ctx, s.CompanyID, string(export.Exported), "", recentExports); err != nil {
		return v, err
	}
	if v.Failed, _, err = h.Exports.Failed(ctx, s.CompanyID, string(export.Failed), "", failedExports); err != nil {
		return v, err
	}
	sort.SliceStable(v.Recent, func(i, j int) bool { return newer(v.Recent[i], v.Recent[j]) })
	if v.Settings, err = h.settingsOf(ctx, s.CompanyID); err != nil {
		return v, err
	}
	return v, nil
}

func newer(a, b export.StatusView) bool {
	if a.ExportedAt == nil || b.ExportedAt == nil {
		return a.ExportedAt != nil
	}
	return a.ExportedAt.After(*b.ExportedAt)
}

// authorize starts the Lever round trip; Lever's callback returns the
// admin to this page.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, s Session) error {
	var in struct {
		Environment connection.Environment `json:"environment" maxLength:"32"`
	}
	if err := httpapi.Decode(r, &in, true); err != nil {
		return err
	}
	cb, err := h.callbackURL(r)
	if err != nil {
		return err
	}
	u, err := h.Connections.Authorize(r.Context(), s.CompanyID, cb, connection.AuthorizeInput{ReturnURL: h.pageURL(r), Environment: in.Environment})
	if err != nil {
		return err
	}
	// The page navigates the admin's browser to the start link (never to
	// Lever directly): it sets the flow cookie the callback checks.
	link, err := httpapi.AuthorizeLink(h.FlowKey, cb, u)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"authorizeUrl": link})
	return nil
}

func (h *Handler) disconnect(w http.ResponseWriter, r *http.Request, s Session) error {
	if _, err := h.Connections.Disconnect(r.Context(), s.CompanyID); err != nil {
		return err
	}
	h.log().InfoContext(r.Context(), "setup page disconnected lever", "company_id", s.CompanyID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// performAs chooses the Lever user leverlink acts as (the repair of a
// perform_as_inactive connection, no reconnect): PUT
// /connection/perform-as's rules. It answers the connection view.
func (h *Handler) performAs(w http.ResponseWriter, r *http.Request, s Session) error {
	var in connection.PerformAsInput
	if err := httpapi.Decode(r, &in, false); err != nil {
		return err
	}
	v, err := h.Connections.SetPerformAs(r.Context(), s.CompanyID, in)
	if err != nil {
		return err
	}
	h.log().InfoContext(r.Context(), "setup page set the perform-as user", "company_id", s.CompanyID, "session_id", s.AuditID())
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (h *Handler) reload(w http.ResponseWriter, r *http.Request, s Session) error {
	if err := h.Postings.Reload(r.Context(), s.CompanyID); err != nil {
		return err
	}
	pl, err := h.Postings.List(r.Context(), s.CompanyID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, pl)
	return nil
}

// position returns the path's position when it is one of the session's
// (apperr NotFound naming positionId otherwise: a session never touches
// another position's link).
func position(r *http.Request, s Session) (string, error) {
	id := r.PathValue("positionId")
	if !s.HasPosition(id) {
		e := apperr.E(apperr.NotFound, "position %s is not part of this setup session", id)
		e.Field = "positionId"
		return "", e
	}
	return id, nil
}

func (h *Handler) putLink(w http.ResponseWriter, r *http.Request, s Session) error {
	id, err := position(r, s)
	if err != nil {
		return err
	}
	var in link.PutInput
	if err := httpapi.Decode(r, &in, false); err != nil {
		return err
	}
	l, err := h.Links.Put(r.Context(), s.CompanyID, id, in)
	if err != nil {
		return err
	}
	h.log().InfoContext(r.Context(), "setup page linked position", "company_id", s.CompanyID, "position_id", id, "posting_id", l.PostingID, "trigger", string(l.Trigger))
	httpapi.WriteJSON(w, http.StatusOK, link.ViewOf(l))
	return nil
}

func (h *Handler) deleteLink(w http.ResponseWriter, r *http.Request, s Session) error {
	id, err := position(r, s)
	if err != nil {
		return err
	}
	if err := h.Links.Delete(r.Context(), s.CompanyID, id); err != nil {
		return err
	}
	h.log().InfoContext(r.Context(), "setup page unlinked position", "company_id", s.CompanyID, "position_id", id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// retry queues a failed export again with the snapshot the page has: the
// candidate id. The target is, in this order: the Lever posting the admin
// chose now (postingId: the chosen-posting export, export.ExportRequest),
// the position the admin picked (one of the session's), or the failed
// export's own position or chosen posting (export.Service.Retry). Refusals
// (no_consent, position_not_linked, posting_closed, posting_not_found,
// not_failed, already_exported...) come back with their reason; giving
// both positionId and postingId is apperr Invalid naming postingId.
func (h *Handler) retry(w http.ResponseWriter, r *http.Request, s Session) error {
	var in struct {
		PositionID  string `json:"positionId,omitempty" maxLength:"128"`
		PostingID   string `json:"postingId,omitempty" maxLength:"128"`
		AllowClosed bool   `json:"allowClosed,omitempty"`
	}
	if err := httpapi.Decode(r, &in, true); err != nil {
		return err
	}
	if in.PositionID != "" && !s.HasPosition(in.PositionID) {
		return apperr.InvalidField("positionId", "position %s is not part of this setup session", in.PositionID)
	}
	if in.PositionID != "" && in.PostingID != "" {
		return apperr.InvalidField("postingId", "choose a position or a posting, not both")
	}
	if in.AllowClosed && in.PostingID == "" {
		return apperr.InvalidField("allowClosed", "only applies to a chosen postingId")
	}
	id := r.PathValue("candidateId")
	v, err := h.Exports.Retry(r.Context(), s.CompanyID, id, export.ExportRequest{PositionID: in.PositionID, PostingID: in.PostingID, AllowClosed: in.AllowClosed})
	if err != nil {
		return err
	}
	h.log().InfoContext(r.Context(), "setup page retried export", "company_id", s.CompanyID, "candidate_id", id, "position_id", in.PositionID, "posting_id", in.PostingID)
	httpapi.WriteJSON(w, http.StatusAccepted, v)
	return nil
}
