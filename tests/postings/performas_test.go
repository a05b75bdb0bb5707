package postings

import (
	"net/http"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestPerformAsInactiveStillRefreshed: reading postings needs no perform-as
// user, so a perform_as_inactive connection is still refreshed: the Reload
// link answers 200 at once with Lever's postings (not a 503 after the
// reload deadline), day-old tokens are kept fresh by that pass, and the
// schedule fans a refresh out to it.
func TestPerformAsInactiveStillRefreshed(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	acct.AddPosting(leverfake.Posting{Text: "Backend"})
	reload(t, e, "acme")
	drainRefresh(t, e)

	ctx := ctxT(t)
	conn, err := e.App.Connections.Get(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	// The exporter's rule on a refused write (Lever: the user is deactivated).
	if err := e.App.Vault.MarkPerformAsInactive(ctx, "acme", conn.PerformAsID); err != nil {
		t.Fatal(err)
	}
	dayAgo := time.Now().Add(-25 * time.Hour)
	if _, err := e.App.Connections.Update(ctx, "acme", func(c *connection.Connection) error {
		c.TokenRefreshedAt, c.AccessExpiry = dayAgo, time.Now().Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	acct.AddPosting(leverfake.Posting{Text: "Frontend"})

	start := time.Now()
	var out postingList
	code := e.Do("POST", path("acme", "/postings/reload?state=all"), nil, &out)
	if code != http.StatusOK || len(out.Postings) != 2 || out.Reload.Skipped != "" {
		t.Fatalf("reload while perform_as_inactive: %d, %d postings, skipped %q; want 200 with both postings, refreshed", code, len(out.Postings), out.Reload.Skipped)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("reload took %v: it waited instead of refreshing", d)
	}
	var v struct {
		Status           connection.Status `json:"status"`
		TokenRefreshedAt *time.Time        `json:"tokenRefreshedAt"`
	}
	if code := e.Do("GET", path("acme", "/connection"), nil, &v); code != http.StatusOK || v.Status != connection.PerformAsInactive {
		t.Fatalf("GET /connection: %d %+v, want still perform_as_inactive (only PUT /connection/perform-as repairs it)", code, v)
	}
	if v.TokenRefreshedAt == nil || !v.TokenRefreshedAt.After(dayAgo.Add(time.Hour)) {
		t.Errorf("tokenRefreshedAt after the refresh: %v, want now (the grant is kept alive)", v.TokenRefreshedAt)
	}
	if n, err := e.App.Refresher.FanOut(ctx); err != nil || n != 1 {
		t.Errorf("scheduled fan-out: %d, %v; want 1 (acme's tokens are live)", n, err)
	}
}
