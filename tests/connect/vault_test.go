package connect_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// expireStored marks the stored access token expired (as time passing
// would) and kills it at the fake too.
func expireStored(t *testing.T, e *apptest.Env, acct *leverfake.Account, companyID string) {
	t.Helper()
	e.Fake.ExpireAccessTokens(acct.ID)
	_, err := e.App.Connections.Update(context.Background(), companyID, func(c *connection.Connection) error {
		c.AccessExpiry = time.Now().Add(-time.Minute)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentRefresh: 100 concurrent token requests on an expired token
// make exactly one refresh at the fake, no invalid_grant, and every caller
// gets the same, valid, new token; the rotated refresh token is stored.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	e, acct := newEnv(t)
	mustConnect(t, e, "acme")
	oldAccess, oldRefresh := tokens(t, e, "acme")
	expireStored(t, e, acct, "acme")
	refreshes := e.Fake.Calls("POST /oauth/token refresh_token")

	const n = 100
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		got   = make([]string, n)
		errs  = make([]error, n)
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i], errs[i] = e.App.Vault.AccessToken(ctx, "acme")
		}()
	}
	close(start)
	wg.Wait()

	if d := e.Fake.Calls("POST /oauth/token refresh_token") - refreshes; d != 1 {
		t.Errorf("refreshes at the fake: got %d, want exactly 1", d)
	}
	if c := e.Fake.Calls("oauth invalid_grant"); c != 0 {
		t.Errorf("invalid_grant answers: got %d, want 0", c)
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("caller %d got a different token than caller 0", i)
		}
	}
	if got[0] == oldAccess {
		t.Fatalf("callers got the expired token")
	}
	newAccess, newRefresh := tokens(t, e, "acme")
	if newAccess != got[0] || newRefresh == oldRefresh {
		t.Errorf("stored tokens: new access stored %t, refresh rotated %t; want both", newAccess == got[0], newRefresh != oldRefresh)
	}
	if c, _ := e.App.Connections.Get(ctx, "acme"); c.LeaseOwner != "" {
		t.Errorf("lease still held by %q after the refresh", c.LeaseOwner)
	}
	// The new token works at the fake.
	client := lever.New(lever.Config{BaseURL: e.Fake.URL + "/v1", Tokens: lever.StaticToken(got[0])})
	if _, err := client.ListUsers(ctx, lever.ListUsersParams{}); err != nil {
		t.Errorf("the refreshed token does not work at the fake: %v", err)
	}
}

// TestConcurrentRefreshThroughClient: the token died at Lever while our
// stored expiry still says valid; 100 concurrent Lever calls each get a
// 401, invalidate, and still only one refresh happens.
func TestConcurrentRefreshThroughClient(t *testing.T) {
	t.Parallel()
	e, acct := newEnv(t, apptest.WithConfig(func(c *config.Config) { c.LeverRateLimit, c.LeverBurst = 10000, 10000 }))
	mustConnect(t, e, "acme")
	e.Fake.ExpireAccessTokens(acct.ID)
	refreshes := e.Fake.Calls("POST /oauth/token refresh_token")
	conn, err := e.App.Connections.Get(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	client, err := e.App.Levers.Client(conn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n = 100
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = client.ListUsers(ctx, lever.ListUsersParams{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if d := e.Fake.Calls("POST /oauth/token refresh_token") - refreshes; d != 1 {
		t.Errorf("refreshes at the fake: got %d, want exactly 1", d)
	}
	if c := e.Fake.Calls("oauth invalid_grant"); c != 0 {
		t.Errorf("invalid_grant answers: got %d, want 0", c)
	}
	if v := view(t, e, "acme"); v.Status != connection.Connected {
		t.Errorf("status: got %q, want connected", v.Status)
	}
}

// TestRevocation: the super admin removes the app at Lever; the next call
// revokes the connection (lever_revoked), removes every link, deletes the
// tokens; later jobs skip without calling Lever.
func TestRevocation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		revoke func(t *testing.T, e *apptest.Env, acct *leverfake.Account)
	}{
		{"grant revoked at Lever", func(_ *testing.T, e *apptest.Env, acct *leverfake.Account) { e.Fake.Revoke(acct.ID) }},
		{"grant revoked, token expired", func(t *testing.T, e *apptest.Env, acct *leverfake.Account) {
			e.Fake.Revoke(acct.ID)
			expireStored(t, e, acct, "acme")
		}},
		{"401 after a fresh token", func(_ *testing.T, e *apptest.Env, acct *leverfake.Account) {
			e.Fake.FailNext("GET /postings", 2, leverfake.Failure{Status: http.StatusUnauthorized, Code: "UnauthorizedError", Message: "Invalid token"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, acct := newEnv(t)
			mustConnect(t, e, "acme")
			positions := linkAll(t, e, "acme")
			if len(positions) != 2 {
				t.Fatalf("links: got %d, want 2", len(positions))
			}
			tt.revoke(t, e, acct)

			var out httpapi.ErrorBody
			if code := e.Do("POST", "/v1/companies/acme/postings/reload", nil, &out); code != http.StatusUnprocessableEntity || out.Error.Reason != connection.ReasonLeverRevoked {
				t.Fatalf("reload after revocation: got %d %+v, want 422 reason lever_revoked\n%s", code, out.Error, e.Logs.String())
			}
			v := view(t, e, "acme")
			if v.Status != connection.Revoked || v.LastError != connection.ReasonLeverRevoked || v.ConnectedAt != nil {
				t.Errorf("GET connection: got %+v, want revoked with lastError lever_revoked", v)
			}
			if got := links(t, e, "acme"); len(got) != len(positions) {
				t.Errorf("links after revocation: got %v, want %v kept (suspended)", got, positions)
			}
			if !v.LinksSuspended {
				t.Errorf("GET connection: linksSuspended false, want true")
			}
			item := rawConnection(t, e, "acme")
			for _, attr := range []string{"sealedAccess", "sealedRefresh", "leaseOwner"} {
				if _, ok := item[attr]; ok {
					t.Errorf("revoked item still has %s", attr)
				}
			}

			// Later jobs skip, without a Lever call.
			before := e.Fake.Counters()
			res, err := e.App.Refresher.Refresh(context.Background(), "acme")
			if err != nil || res.Skipped == "" {
				t.Errorf("refresh job after revocation: got %+v, %v; want skipped", res, err)
			}
			if _, err := e.App.Vault.AccessToken(context.Background(), "acme"); apperr.ReasonOf(err) != connection.ReasonLeverRevoked {
				t.Errorf("vault after revocation: got %v, want reason lever_revoked", err)
			}
			var ex httpapi.ErrorBody
			if code := e.Do("POST", "/v1/companies/acme/candidates/cand-1/export", map[string]any{"positionId": positions[0], "candidate": map[string]any{"id": "cand-1"}}, &ex); code != http.StatusUnprocessableEntity {
				t.Errorf("manual export after revocation: got %d %+v, want 422", code, ex.Error)
			}
			after := e.Fake.Counters()
			for k, n := range after {
				if n != before[k] {
					t.Errorf("Lever called after revocation: %s %d → %d", k, before[k], n)
				}
			}
			// Reconnecting the same Lever account works again and
			// restores the links.
			mustConnect(t, e, "acme")
			if v := view(t, e, "acme"); v.Status != connection.Connected || v.LastError != "" || v.LinksSuspended {
				t.Errorf("after reconnecting: got %+v, want connected without lastError", v)
			}
			if got := links(t, e, "acme"); len(got) != len(positions) {
				t.Errorf("links after reconnecting the same account: got %v, want %v", got, positions)
			}
		})
	}
}

// TestDisconnect: DELETE /connection twice → 200 both times, saying the
// grant must be revoked in Lever (Lever documents no revocation endpoint);
// tokens deleted, links removed, export markers kept; the vault refuses;
// GET says not_connected.
func TestDisconnect(t *testing.T) {
	t.Parallel()
	e, acct := newEnv(t)
	mustConnect(t, e, "acme")
	positions := linkAll(t, e, "acme")

	// One exported candidate: its marker must survive the disconnect.
	req := map[string]any{"positionId": positions[0], "candidate": map[string]any{
		"id": "cand-1", "firstName": "Ada", "lastName": "Lovelace", "emails": []string{"ada@example.com"},
		"consent": map[string]any{"granted": true},
	}}
	if code := e.Do("POST", "/v1/companies/acme/candidates/cand-1/export", req, nil); code != http.StatusAccepted {
		t.Fatalf("export: got %d, want 202", code)
	}
	if failed := e.Drain(20 * time.Second); failed != 0 {
		t.Fatalf("drain: %d failed\n%s", failed, e.Logs.String())
	}
	if n := len(acct.Opportunities()); n != 1 {
		t.Fatalf("opportunities: got %d, want 1", n)
	}

	for i, wantRemoved := range []int{len(positions), 0} {
		var d connection.DisconnectView
		if code := e.Do("DELETE", "/v1/companies/acme/connection", nil, &d); code != http.StatusOK ||
			d.Status != connection.NotConnected || d.LeverGrant != "revoke_in_lever" || d.LinksRemoved != wantRemoved ||
			!strings.Contains(d.Message, "Authorized Apps") {
			t.Fatalf("DELETE #%d: got %d %+v, want 200 not_connected, revoke_in_lever, %d links removed", i+1, code, d, wantRemoved)
		}
	}
	v := view(t, e, "acme")
	if v.Status != connection.NotConnected || v.ConnectedAt != nil {
		t.Errorf("GET connection: got %+v, want not_connected without connectedAt", v)
	}
	if got := links(t, e, "acme"); len(got) != 0 {
		t.Errorf("links after disconnect: got %v, want none", got)
	}
	item := rawConnection(t, e, "acme")
	for _, attr := range []string{"sealedAccess", "sealedRefresh", "accessExpiry"} {
		if _, ok := item[attr]; ok {
			t.Errorf("disconnected item still has %s", attr)
		}
	}
	if _, err := e.App.Vault.AccessToken(context.Background(), "acme"); apperr.ReasonOf(err) != connection.ReasonNotConnected {
		t.Errorf("vault after disconnect: got %v, want reason not_connected", err)
	}
	var st struct {
		State    string `json:"state"`
		LeverURL string `json:"leverUrl"`
	}
	if code := e.Do("GET", "/v1/companies/acme/candidates/cand-1/export", nil, &st); code != 200 || st.State != "exported" || st.LeverURL == "" {
		t.Errorf("export status after disconnect: got %d %+v, want the kept exported marker with its Lever URL", code, st)
	}
	if n := len(acct.Opportunities()); n != 1 {
		t.Errorf("opportunities in Lever after disconnect: got %d, want 1 (kept)", n)
	}
	// Never connected: also 200.
	if code := e.Do("DELETE", "/v1/companies/never/connection", nil, nil); code != http.StatusOK {
		t.Errorf("DELETE for a company never connected: got %d, want 200", code)
	}
	if rawConnection(t, e, "never") != nil {
		t.Errorf("disconnecting a never-connected company created an item")
	}
}

// TestSealedForCompany: tokens are sealed with the company id as associated
// data: a sealed item copied to another company's key does not open, and
// that company is reported reauth_required.
func TestSealedForCompany(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	mustConnect(t, e, "acme")
	item := rawConnection(t, e, "acme")
	item["pk"] = &types.AttributeValueMemberS{Value: "copycat"}
	if _, err := db(t).PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(e.App.Config.ConnectionsTable), Item: item}); err != nil {
		t.Fatal(err)
	}
	_, err := e.App.Vault.AccessToken(context.Background(), "copycat")
	if !apperr.Is(err, apperr.Unauthorized) || apperr.ReasonOf(err) != connection.ReasonReauth {
		t.Fatalf("vault with another company's sealed tokens: got %v, want Unauthorized reauth_required", err)
	}
	if v := view(t, e, "copycat"); v.Status != connection.ReauthRequired {
		t.Errorf("GET connection: got status %q, want reauth_required", v.Status)
	}
	if v := view(t, e, "acme"); v.Status != connection.Connected {
		t.Errorf("acme: got %q, want connected", v.Status)
	}
	if _, err := e.App.Vault.AccessToken(context.Background(), "acme"); err != nil {
		t.Errorf("acme's own tokens: %v", err)
	}
}
