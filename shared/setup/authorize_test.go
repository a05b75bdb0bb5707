package setup

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/httpapi"
)

// TestConnectOpensTheStartLink: the Connect button's authorizeUrl is the
// deployment's start link (the one that sets the flow cookie the callback
// checks), signed with the callback's flow key and carrying Lever's
// authorize URL, never Lever's URL itself.
func TestConnectOpensTheStartLink(t *testing.T) {
	hs := newHarness(t)
	key := bytes.Repeat([]byte{9}, 32)
	hs.h.RedirectURL = base + httpapi.CallbackPath
	hs.h.FlowKey = key
	s, tok := hs.session(t, "acme", "pos-1")
	rec := hs.do("POST", "/setup/api/connection/authorize", tok, hs.h.Signer.CSRF(s), base, map[string]string{"environment": "production"})
	if rec.Code != http.StatusOK {
		t.Fatalf("authorize: %d %s", rec.Code, rec.Body)
	}
	var out struct{ AuthorizeURL string }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	start, q, _ := strings.Cut(out.AuthorizeURL, "?")
	if want := base + httpapi.StartPath; start != want {
		t.Fatalf("authorizeUrl %q, want the start link %s?…", out.AuthorizeURL, want)
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	lever, state, err := connection.OpenStart(key, v)
	if err != nil {
		t.Fatalf("the callback's key does not open the start link: %v", err)
	}
	want := "https://auth.lever.example/authorize?" + url.Values{"company": {"acme"}, "return": {base + PagePath}, "state": {"st-acme"}}.Encode()
	if lever != want || state != "st-acme" {
		t.Errorf("start link leads to %q (state %q), want %q (st-acme)", lever, state, want)
	}
	if _, _, err := connection.OpenStart(bytes.Repeat([]byte{8}, 32), v); err == nil {
		t.Error("start link opened with another flow key")
	}
}
