package setup

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/export"
)

func allSettings(general, early, internal bool) map[string]bool {
	return map[string]bool{"allowGeneralOpportunity": general, "exportBeforeConsent": early, "announceInternalPostings": internal}
}

// TestSettingsRoutes: the page reads and writes its session company's
// settings only, with the CSRF token, always on the condition of the
// version it read (a stale one is 412, a missing one 428), recorded as
// the session's audit id.
func TestSettingsRoutes(t *testing.T) {
	hs := newHarness(t)
	acme, tok := hs.session(t, "acme")
	globex, gtok := hs.session(t, "globex")
	csrf := hs.h.Signer.CSRF(acme)

	rec := hs.do("GET", "/setup/api/settings", tok, "", "", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"0"` {
		t.Fatalf("GET defaults: %d ETag %q %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	var v SettingsView
	_ = json.Unmarshal(rec.Body.Bytes(), &v)
	if v.ETag != `"0"` || v.ExportBeforeConsent == nil || *v.ExportBeforeConsent || v.UpdatedBy != "" {
		t.Errorf("defaults = %+v", v)
	}

	on := allSettings(false, true, false)
	tests := []struct {
		name, tok, csrf, origin, ifMatch string
		body                             any
		want                             int
		wantReason                       string
	}{
		{"no CSRF token", tok, "", base, `"0"`, on, http.StatusForbidden, ReasonCSRF},
		{"another session's CSRF token", tok, hs.h.Signer.CSRF(globex), base, `"0"`, on, http.StatusForbidden, ReasonCSRF},
		{"another origin", tok, csrf, vendor, `"0"`, on, http.StatusForbidden, ReasonCSRF},
		{"no session", "", csrf, base, `"0"`, on, http.StatusUnauthorized, ReasonSessionMissing},
		{"no If-Match", tok, csrf, base, "", on, http.StatusPreconditionRequired, "if_match_required"},
		{"bad If-Match", tok, csrf, base, "*", on, http.StatusBadRequest, "If-Match"},
		{"a field missing", tok, csrf, base, `"0"`, map[string]bool{"exportBeforeConsent": true}, http.StatusBadRequest, "allowGeneralOpportunity"},
		{"unknown field", tok, csrf, base, `"0"`, map[string]any{"companyId": "globex"}, http.StatusBadRequest, "companyId"},
		{"stale version", tok, csrf, base, `"3"`, on, http.StatusPreconditionFailed, "stale_version"},
		{"ok", tok, csrf, base, `"0"`, on, http.StatusOK, ""},
		{"same version again is stale", tok, csrf, base, `"0"`, allSettings(true, true, true), http.StatusPreconditionFailed, "stale_version"},
	}
	for _, tt := range tests {
		rec := hs.doHeader("PUT", "/setup/api/settings", tt.tok, tt.csrf, tt.origin, map[string]string{"If-Match": tt.ifMatch}, tt.body)
		got := ""
		if rec.Code != http.StatusOK {
			got = reasonOf(t, rec)
		}
		if rec.Code != tt.want || got != tt.wantReason {
			t.Errorf("%s: %d reason %q, want %d %q (%s)", tt.name, rec.Code, got, tt.want, tt.wantReason, rec.Body)
		}
	}

	st, err := hs.settings.Get(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	wantBy := "setup:" + acme.Nonce[:8]
	if !st.ExportBeforeConsent || st.AllowGeneralOpportunity || st.Version != 1 || st.UpdatedBy != wantBy || !st.UpdatedAt.Equal(t0) {
		t.Errorf("acme settings after the page's save = %+v, want exportBeforeConsent only, version 1, by %s", st, wantBy)
	}
	if acme.AuditID() != wantBy || !strings.HasPrefix(globex.AuditID(), AuditPrefix) || globex.AuditID() == wantBy {
		t.Errorf("audit ids %q %q", acme.AuditID(), globex.AuditID())
	}

	// The other company's session sees and writes its own settings only.
	rec = hs.do("GET", "/setup/api/settings", gtok, "", "", nil)
	_ = json.Unmarshal(rec.Body.Bytes(), &v)
	if rec.Code != http.StatusOK || *v.ExportBeforeConsent || v.ETag != `"0"` {
		t.Errorf("globex sees %d %+v, want its own defaults", rec.Code, v)
	}
	rec = hs.doHeader("PUT", "/setup/api/settings", gtok, hs.h.Signer.CSRF(globex), base, map[string]string{"If-Match": `"0"`}, allSettings(true, false, false))
	if rec.Code != http.StatusOK {
		t.Fatalf("globex save: %d %s", rec.Code, rec.Body)
	}
	if st, _ := hs.settings.Get(context.Background(), "acme"); st.AllowGeneralOpportunity || st.Version != 1 {
		t.Errorf("globex's save changed acme: %+v", st)
	}

	// The state carries the settings and their ETag.
	rec = hs.do("GET", "/setup/api/state", tok, "", "", nil)
	var sv StateView
	if err := json.Unmarshal(rec.Body.Bytes(), &sv); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("state: %d %v", rec.Code, err)
	}
	if sv.Settings.ETag != `"1"` || !*sv.Settings.ExportBeforeConsent || sv.Settings.UpdatedBy != wantBy || sv.Settings.UpdatedAt == nil {
		t.Errorf("state settings = %+v", sv.Settings)
	}
}

// TestRetryTarget: the page's Retry passes a chosen posting (the
// chosen-posting export) or a picked position of the session through, and
// refuses both at once, a position outside the session, and allowClosed
// without a posting.
func TestRetryTarget(t *testing.T) {
	hs := newHarness(t)
	s, tok := hs.session(t, "acme", "pos-1")
	csrf := hs.h.Signer.CSRF(s)
	tests := []struct {
		name      string
		body      any
		want      int
		wantField string
		wantReq   export.ExportRequest
	}{
		{"as it failed", nil, http.StatusAccepted, "", export.ExportRequest{}},
		{"a chosen posting", map[string]any{"postingId": "post-9"}, http.StatusAccepted, "", export.ExportRequest{PostingID: "post-9"}},
		{"a closed chosen posting", map[string]any{"postingId": "post-9", "allowClosed": true}, http.StatusAccepted, "", export.ExportRequest{PostingID: "post-9", AllowClosed: true}},
		{"a session position", map[string]any{"positionId": "pos-1"}, http.StatusAccepted, "", export.ExportRequest{PositionID: "pos-1"}},
		{"both", map[string]any{"positionId": "pos-1", "postingId": "post-9"}, http.StatusBadRequest, "postingId", export.ExportRequest{}},
		{"position outside the session", map[string]any{"positionId": "pos-2"}, http.StatusBadRequest, "positionId", export.ExportRequest{}},
		{"allowClosed alone", map[string]any{"allowClosed": true}, http.StatusBadRequest, "allowClosed", export.ExportRequest{}},
		{"unknown field", map[string]any{"companyId": "globex"}, http.StatusBadRequest, "companyId", export.ExportRequest{}},
	}
	for _, tt := range tests {
		hs.exports.retried = nil
		rec := hs.do("POST", "/setup/api/exports/cand-1/retry", tok, csrf, base, tt.body)
		if rec.Code != tt.want || (tt.wantField != "" && reasonOf(t, rec) != tt.wantField) {
			t.Errorf("%s: %d %s, want %d field %q", tt.name, rec.Code, rec.Body, tt.want, tt.wantField)
			continue
		}
		switch {
		case tt.want != http.StatusAccepted && len(hs.exports.retried) != 0:
			t.Errorf("%s: retried %+v after a refusal", tt.name, hs.exports.retried)
		case tt.want == http.StatusAccepted && (len(hs.exports.retried) != 1 || target(hs.exports.retried[0]) != target(tt.wantReq)):
			t.Errorf("%s: retried %+v, want %+v", tt.name, hs.exports.retried, tt.wantReq)
		}
	}
}

type retryTarget struct {
	position, posting string
	allowClosed       bool
}

func target(r export.ExportRequest) retryTarget {
	return retryTarget{r.PositionID, r.PostingID, r.AllowClosed}
}
