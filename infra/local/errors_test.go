package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestJSONErrors: the stack's router answers what no function serves in the
// JSON envelope, never as text or a redirect page.
func TestJSONErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	mux.HandleFunc("/v1/companies/{companyId}/{proxy...}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	h := jsonErrors(mux)
	tests := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"POST", "/v1/events", 202, "", ""},
		{"GET", "/v1/companies/acme/links", 200, "", ""},
		{"GET", "/v1/events", 405, "method_not_allowed", "POST"},
		{"GET", "/nope", 404, "not_found", ""},
		{"GET", "/v1/companies/acme/links/../connection", 400, "invalid", ""},
		{"GET", "/v1//events", 400, "invalid", ""},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, "/", nil)
		req.URL.Path = tt.path
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var env struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &env)
		if rec.Code != tt.status || env.Error.Code != tt.code || rec.Header().Get("Allow") != tt.allow {
			t.Errorf("%s %s: got %d %q Allow %q, want %d %q Allow %q", tt.method, tt.path, rec.Code, rec.Body.String(), rec.Header().Get("Allow"), tt.status, tt.code, tt.allow)
		}
	}
}
