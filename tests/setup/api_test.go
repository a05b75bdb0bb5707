package setup

import (
	"net/http"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
)

// TestCreateSessionRoute: POST /setup-sessions is a management route like
// the others: bearer key, company scope, field-naming validation.
func TestCreateSessionRoute(t *testing.T) {
	e := apptest.New(t, apptest.WithAPIKeys(apptest.APIKey+",globex=globex-key-0123456789"))
	path := "/v1/companies/" + company + "/setup-sessions"
	ok := map[string]any{"returnUrl": apptest.ReturnURL, "positions": positions}
	tests := []struct {
		name      string
		key       string
		body      any
		want      int
		wantField string
	}{
		{"no key", "", ok, http.StatusUnauthorized, ""},
		{"another company's key", "globex-key-0123456789", ok, http.StatusForbidden, ""},
		{"returnUrl elsewhere", apptest.APIKey, map[string]any{"returnUrl": "https://evil.example/x"}, http.StatusBadRequest, "returnUrl"},
		{"unknown field", apptest.APIKey, map[string]any{"returnUrl": apptest.ReturnURL, "company": "globex"}, http.StatusBadRequest, "company"},
		{"position without title", apptest.APIKey, map[string]any{"returnUrl": apptest.ReturnURL, "positions": []map[string]string{{"id": "p"}}}, http.StatusBadRequest, "positions[0].title"},
		{"ok", apptest.APIKey, ok, http.StatusCreated, ""},
	}
	for _, tt := range tests {
		var out struct {
			URL   string `json:"url"`
			Error struct {
				Field string `json:"field"`
			} `json:"error"`
		}
		code := e.DoKey(tt.key, "POST", path, tt.body, &out)
		if code != tt.want || out.Error.Field != tt.wantField || (code == http.StatusCreated && out.URL == "") {
			t.Errorf("%s: got %d %+v, want %d field %q", tt.name, code, out, tt.want, tt.wantField)
		}
	}
}
