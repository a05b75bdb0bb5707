package export

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestUnlinkablePostings: draft, pending and rejected postings cannot be
// linked (422 naming the state and postingId); a closed one can, and GET
// /links shows its posting_closed flag.
func TestUnlinkablePostings(t *testing.T) {
	f := setup(t)
	ids := map[string]string{}
	for _, st := range []string{"draft", "pending", "rejected", "closed"} {
		ids[st] = f.acct.AddPosting(leverfake.Posting{Text: "Role " + st, State: st}).ID
	}
	if code := f.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload postings: status %d", code)
	}
	for _, st := range []string{"draft", "pending", "rejected"} {
		var e errorAnswer
		code := f.Do("PUT", "/v1/companies/"+company+"/links/pos-"+st, map[string]any{"postingId": ids[st]}, &e)
		if code != 422 || e.Error.Code != "invalid" || e.Error.Reason != "posting_not_linkable" || e.Error.Field != "postingId" ||
			!strings.Contains(e.Error.Message, st) {
			t.Errorf("link to a %s posting: got %d %+v, want 422 invalid posting_not_linkable naming %s", st, code, e, st)
		}
	}
	f.link("pos-closed", ids["closed"], "")
	var list struct {
		Links []struct {
			PositionID string `json:"positionId"`
			Flag       string `json:"flag"`
		} `json:"links"`
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/links", nil, &list); code != 200 || len(list.Links) != 1 ||
		list.Links[0].PositionID != "pos-closed" || list.Links[0].Flag != "posting_closed" {
		t.Errorf("GET /links: got %d %+v, want only pos-closed flagged posting_closed", code, list)
	}
}

// TestConfidentialAccess: connecting with confidential: true asks Lever for
// confidential:access:admin, the status shows the granted scopes, and the
// refresher lists confidential postings only then.
func TestConfidentialAccess(t *testing.T) {
	t.Parallel()
	for _, confidential := range []bool{false, true} {
		e := apptest.New(t)
		acct := e.Fake.NewAccount("Acme")
		e.Fake.SetConsentAccount(acct.ID)
		acct.AddPosting(leverfake.Posting{Text: "Open role", State: "published"})
		secret := acct.AddPosting(leverfake.Posting{Text: "Secret role", State: "published", Confidentiality: "confidential"})

		body := map[string]any{"returnUrl": apptest.ReturnURL, "environment": "production"}
		if confidential {
			body["confidential"] = true
		}
		var auth struct {
			AuthorizeURL string `json:"authorizeUrl"`
		}
		if code := e.Do("POST", "/v1/companies/"+company+"/connection/authorize", body, &auth); code != 200 {
			t.Fatalf("authorize: %d", code)
		}
		leverURL := e.StartFlow(auth.AuthorizeURL) // the start link's redirect to Lever
		u, err := url.Parse(leverURL)
		if err != nil {
			t.Fatal(err)
		}
		asked := strings.Fields(u.Query().Get("scope"))
		if slices.Contains(asked, "confidential:access:admin") != confidential || !slices.Contains(asked, "offline_access") {
			t.Errorf("confidential=%v: authorize URL scopes %v", confidential, asked)
		}
		if loc := e.FollowConsent(leverURL); loc == nil || loc.Query().Get("status") != "connected" {
			t.Fatalf("consent: %v", loc)
		}
		var conn struct {
			Status string   `json:"status"`
			Scopes []string `json:"scopes"`
		}
		if code := e.Do("GET", "/v1/companies/"+company+"/connection", nil, &conn); code != 200 || conn.Status != "connected" ||
			slices.Contains(conn.Scopes, "confidential:access:admin") != confidential || !slices.Contains(conn.Scopes, "postings:read:admin") {
			t.Errorf("confidential=%v: connection status %d %+v, want the granted scopes", confidential, code, conn)
		}
		var list struct {
			Postings []struct {
				ID           string `json:"id"`
				Confidential bool   `json:"confidential"`
			} `json:"postings"`
		}
		if code := e.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, &list); code != 200 {
			t.Fatalf("reload: %d", code)
		}
		found := false
		for _, p := range list.Postings {
			if p.ID == secret.ID {
				found = p.Confidential
			}
		}
		if found != confidential {
			t.Errorf("confidential=%v: confidential posting listed %v", confidential, found)
		}
	}
}
