package export

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
)

// TestRegionAccount: an account served by "another data center" answers
// every request reaching the default host with 307 to its home (the fake's
// region listener, allowed through config like a lever.co host would be);
// exports, notes, stage moves, postings refreshes and token refreshes all
// work through it, once each.
func TestRegionAccount(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := setup(t, apptest.WithConfig(func(c *config.Config) { c.LeverRedirectHosts = []string{ln.Addr().String()} }))
	region := &httptest.Server{Listener: ln, Config: &http.Server{Handler: f.Fake.Fake}}
	region.Start()
	t.Cleanup(region.Close)
	f.Fake.SetHome(f.acct.ID, region.URL)

	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("cand-1"))
	f.send(noteEvent("cand-1", "n-1", "Through the EU"), 202, "queued")
	f.send(msgEvent("cand-1", "m-1", "outbound", "Hello"), 202, "queued")
	f.drain(false)
	if got := f.noteTexts(o.ID); len(got) != 2 {
		t.Errorf("notes through the region: got %d, want 2", len(got))
	}
	// A token refresh through the region.
	if _, err := f.App.Connections.Update(context.Background(), company, func(c *connection.Connection) error {
		c.AccessExpiry = time.Now().Add(-time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	before := f.Fake.Calls("POST /oauth/token refresh_token")
	if code := f.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload through the region: %d\n%s", code, f.Logs.String())
	}
	if got := f.Fake.Calls("POST /oauth/token refresh_token") - before; got < 1 {
		t.Errorf("token refreshes through the region: got %d, want at least 1", got)
	}
	if got := f.Fake.Calls("307 redirect"); got < 5 {
		t.Errorf("307 redirects followed: got %d, want every call redirected", got)
	}
	if v := f.status("cand-1"); v.State != "exported" || v.OpportunityID != o.ID {
		t.Errorf("status: got %+v", v)
	}
	f.noDuplicates()
}
