package lever_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/lever"
)

// TestSandboxContract runs read-only calls against Lever's sandbox. It needs
// LEVER_SANDBOX_CLIENT_ID, LEVER_SANDBOX_CLIENT_SECRET and
// LEVER_SANDBOX_REFRESH_TOKEN. Refresh tokens are single-use, so the rotated
// one is written (mode 0600) to LEVER_SANDBOX_REFRESH_TOKEN_OUT when set;
// otherwise the token in the environment is spent after one run.
func TestSandboxContract(t *testing.T) {
	id, sec, rt := os.Getenv("LEVER_SANDBOX_CLIENT_ID"), os.Getenv("LEVER_SANDBOX_CLIENT_SECRET"), os.Getenv("LEVER_SANDBOX_REFRESH_TOKEN")
	if id == "" || sec == "" || rt == "" {
		t.Skip("set LEVER_SANDBOX_CLIENT_ID, LEVER_SANDBOX_CLIENT_SECRET and LEVER_SANDBOX_REFRESH_TOKEN to run the Lever sandbox contract test")
	}
	ep, err := lever.EndpointsFor(lever.Sandbox)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := lever.NewOAuth(lever.OAuthConfig{ClientID: id, ClientSecret: sec, Endpoints: ep})
	tok, err := o.Refresh(ctx, rt)
	if err != nil {
		t.Fatalf("refresh: %v (class %s)", err, lever.TokenFailureOf(err))
	}
	if out := os.Getenv("LEVER_SANDBOX_REFRESH_TOKEN_OUT"); out != "" && tok.RefreshToken != "" {
		if err := os.WriteFile(out, []byte(tok.RefreshToken+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Log("refresh token rotated; set LEVER_SANDBOX_REFRESH_TOKEN_OUT to keep the new one")
	}
	c := lever.New(lever.Config{BaseURL: ep.APIBase, Tokens: lever.StaticToken(tok.AccessToken)})

	users, err := c.ListUsers(ctx, lever.ListUsersParams{})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if len(users) == 0 || users[0].ID == "" {
		t.Errorf("ListUsers returned %d users", len(users))
	}
	stages, err := c.ListStages(ctx)
	if err != nil {
		t.Fatalf("ListStages: %v", err)
	}
	ids := map[string]bool{}
	for _, s := range stages {
		ids[s.ID] = true
	}
	for _, want := range []string{lever.StageLeadNew, lever.StageLeadReachedOut, lever.StageLeadResponded, lever.StageApplicantNew} {
		if !ids[want] {
			t.Errorf("stage %q missing (LEVER.md §8 assumes slug ids)", want)
		}
	}
	page, err := c.PostingsPage(ctx, lever.PostingsParams{Limit: 5}, "")
	if err != nil {
		t.Fatalf("PostingsPage: %v", err)
	}
	for _, p := range page.Data {
		if p.ID == "" || p.CreatedAt == 0 {
			t.Errorf("posting decoded as %+v", p)
		}
	}
	cl := tok.Claims
	t.Logf("sandbox: %d users, %d stages, %d postings on the first page; token claims present: account=%v user=%v",
		len(users), len(stages), len(page.Data), cl.AccountID != "", cl.UserID != "")
}
