package export

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/httpapi"
)

const settingsPath = "/v1/companies/" + company + "/settings"

// getSettings is GET …/settings: the document, its ETag and the status.
func (f *fixture) getSettings() (map[string]any, string, int) {
	f.t.Helper()
	rec := f.raw("GET", settingsPath, nil, "")
	var doc map[string]any
	if rec.Code == 200 {
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			f.t.Fatalf("GET settings: decode %q: %v", rec.Body.String(), err)
		}
	}
	return doc, rec.Header().Get("ETag"), rec.Code
}

// putSettings is PUT …/settings with If-Match ("" sends none): the status,
// the decoded answer and the new ETag.
func (f *fixture) putSettings(body map[string]any, ifMatch string) (int, map[string]any, string) {
	f.t.Helper()
	b, _ := json.Marshal(body)
	rec := f.raw("PUT", settingsPath, b, ifMatch)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out, rec.Header().Get("ETag")
}

// raw serves one API request with the test key and an optional If-Match.
func (f *fixture) raw(method, path string, body []byte, ifMatch string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apptest.APIKey)
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	rec := httptest.NewRecorder()
	f.API.ServeHTTP(rec, req)
	return rec
}

func errReason(out map[string]any) (code, reason, field string) {
	e, _ := out["error"].(map[string]any)
	code, _ = e["code"].(string)
	reason, _ = e["reason"].(string)
	field, _ = e["field"].(string)
	return code, reason, field
}

// TestSettingsRoute: the defaults are false; PUT replaces the whole
// document under If-Match (a first write may omit it, later ones must
// not; a stale one is 412); the change is audited with the key id; the
// settings outlive a disconnect and reconnect.
func TestSettingsRoute(t *testing.T) {
	f := setup(t)
	doc, etag, code := f.getSettings()
	if code != 200 || etag != `"0"` {
		t.Fatalf("GET defaults: %d ETag %q, want 200 \"0\"", code, etag)
	}
	for _, k := range []string{"allowGeneralOpportunity", "exportBeforeConsent", "announceInternalPostings"} {
		if doc[k] != false {
			t.Errorf("default %s = %v, want false", k, doc[k])
		}
	}
	if _, ok := doc["updatedAt"]; ok {
		t.Errorf("defaults carry updatedAt: %v", doc)
	}

	all := func(gen, early, internal bool) map[string]any {
		return map[string]any{"allowGeneralOpportunity": gen, "exportBeforeConsent": early, "announceInternalPostings": internal}
	}
	for _, tc := range []struct {
		name      string
		body      map[string]any
		wantField string
	}{
		{"missing field", map[string]any{"allowGeneralOpportunity": true, "exportBeforeConsent": false}, "announceInternalPostings"},
		{"wrong type", map[string]any{"allowGeneralOpportunity": "yes", "exportBeforeConsent": false, "announceInternalPostings": false}, "allowGeneralOpportunity"},
		{"unknown field", map[string]any{"allowGeneralOpportunity": true, "exportBeforeConsent": false, "announceInternalPostings": false, "autoHire": true}, "autoHire"},
	} {
		code, out, _ := f.putSettings(tc.body, "")
		if _, _, field := errReason(out); code != 400 || field != tc.wantField {
			t.Errorf("%s: got %d %v, want 400 naming %s", tc.name, code, out, tc.wantField)
		}
	}
	if code, out, _ := f.putSettings(all(true, false, false), "nonsense"); code != 400 {
		t.Errorf("malformed If-Match: got %d %v, want 400", code, out)
	}

	// First write without If-Match: accepted as the creation.
	code, out, etag := f.putSettings(all(true, false, false), "")
	if code != 200 || etag != `"1"` || out["allowGeneralOpportunity"] != true {
		t.Fatalf("first PUT: %d ETag %q %v", code, etag, out)
	}
	if out["updatedBy"] != httpapi.KeyID(apptest.APIKey) || out["updatedAt"] == nil {
		t.Errorf("audit: got updatedBy %v updatedAt %v, want %s and a time", out["updatedBy"], out["updatedAt"], httpapi.KeyID(apptest.APIKey))
	}
	// Settings exist: If-Match is required.
	if code, out, _ := f.putSettings(all(false, true, false), ""); code != 428 {
		t.Errorf("PUT without If-Match over existing settings: got %d %v, want 428", code, out)
	} else if _, reason, _ := errReason(out); reason != "if_match_required" {
		t.Errorf("428 reason: got %q", reason)
	}
	// Two admins read version 1; the first write wins, the second is 412.
	if code, _, e := f.putSettings(all(true, true, false), `"1"`); code != 200 || e != `"2"` {
		t.Fatalf("PUT If-Match \"1\": got %d ETag %q, want 200 \"2\"", code, e)
	}
	code, out, _ = f.putSettings(all(false, false, true), `"1"`)
	if _, reason, _ := errReason(out); code != 412 || reason != "stale_version" {
		t.Errorf("stale If-Match: got %d %v, want 412 stale_version", code, out)
	}
	doc, etag, _ = f.getSettings()
	if etag != `"2"` || doc["allowGeneralOpportunity"] != true || doc["exportBeforeConsent"] != true || doc["announceInternalPostings"] != false {
		t.Errorf("after the stale PUT: ETag %q %v, want version 2 unchanged by it", etag, doc)
	}

	// Disconnect and reconnect: the settings stay.
	if code := f.Do("DELETE", "/v1/companies/"+company+"/connection", nil, nil); code != 200 {
		t.Fatalf("disconnect: %d", code)
	}
	if loc := f.Connect(company, nil); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("reconnect: %v", loc)
	}
	doc, etag, _ = f.getSettings()
	if etag != `"2"` || doc["allowGeneralOpportunity"] != true || doc["exportBeforeConsent"] != true {
		t.Errorf("after disconnect and reconnect: ETag %q %v, want version 2 kept", etag, doc)
	}
	// Another company's key never reads them (scoped keys are checked by wrap).
	if code := f.DoKey("", "GET", settingsPath, nil, nil); code != 401 {
		t.Errorf("GET settings without a key: %d, want 401", code)
	}
}

// TestExportBeforeConsentSetting: an early trigger without consent is
// skipped no_consent by default and exports once the company opts out of
// the consent gate through the settings route.
func TestExportBeforeConsentSetting(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "contact_info_found")
	noConsent := map[string]any{"consent": nil}
	out := f.send(candEvent("candidate.contact_info_found", "pos-1", cand("early-0", noConsent)), 202, "skipped")
	if out["reason"] != "no_consent" {
		t.Fatalf("gate on: got %v, want skipped no_consent", out)
	}
	f.setSettings(map[string]bool{"exportBeforeConsent": true})
	f.send(candEvent("candidate.contact_info_found", "pos-1", cand("early-1", noConsent)), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("early-1"))
	if len(o.Postings) != 1 || o.Postings[0] != f.postings[0].ID {
		t.Errorf("early export: postings %v, want [%s]", o.Postings, f.postings[0].ID)
	}
	if n := len(f.oppsOf(email("early-0"))); n != 0 {
		t.Errorf("the candidate skipped before the change: %d opportunities, want 0", n)
	}
	f.noDuplicates()
}
