package connection_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/link"
)

// failingStates is a state store that cannot be read.
type failingStates struct{ connection.StateStore }

func (failingStates) Consume(context.Context, string) (connection.State, error) {
	return connection.State{}, apperr.Wrap(apperr.Transient, errors.New("timeout"), "store down")
}

func TestCallback(t *testing.T) {
	t.Parallel()
	const company = "co-1"
	in := connection.AuthorizeInput{ReturnURL: "https://vendor.example/settings?tab=lever", Environment: connection.Sandbox}
	tests := []struct {
		name string
		// prepare runs the flow up to the callback and returns its query.
		prepare      func(t *testing.T, e *env) url.Values
		wantStatus   string
		wantReason   string
		wantRedirect bool                // sent back to the return URL
		wantConn     connection.Status   // "" when no connection is stored
		wantPerform  func(e *env) string // the perform-as user id expected, when connected
	}{
		{"connected as the token's user", func(t *testing.T, e *env) url.Values {
			return e.authorize(t, company, in)
		}, "connected", "", true, connection.Connected, func(e *env) string { return e.account.AdminID() }},
		{"connected as the chosen perform-as user", func(t *testing.T, e *env) url.Values {
			e.account.AddUser(leverfake.User{ID: "u-recruiter", Email: "recruiter@acme.example", Name: "R"})
			in := in
			in.PerformAsEmail = "recruiter@acme.example"
			return e.authorize(t, company, in)
		}, "connected", "", true, connection.Connected, func(*env) string { return "u-recruiter" }},
		{"perform-as user unknown", func(t *testing.T, e *env) url.Values {
			in := in
			in.PerformAsEmail = "nobody@acme.example"
			return e.authorize(t, company, in)
		}, "error", "perform_as_not_found", true, "", nil},
		{"perform-as user deactivated", func(t *testing.T, e *env) url.Values {
			e.account.AddUser(leverfake.User{ID: "u-gone", Email: "gone@acme.example", Name: "G"})
			e.account.DeactivateUser("u-gone")
			in := in
			in.PerformAsEmail = "gone@acme.example"
			return e.authorize(t, company, in)
		}, "error", "perform_as_deactivated", true, "", nil},
		{"consent denied", func(t *testing.T, e *env) url.Values {
			e.fake.SetDenyConsent("the admin said no")
			return e.authorize(t, company, in)
		}, "error", "access_denied", true, "", nil},
		{"other Lever error", func(t *testing.T, e *env) url.Values {
			q := e.authorize(t, company, in)
			return url.Values{"state": q["state"], "error": {"server_error"}}
		}, "error", "lever_error", true, "", nil},
		{"no code", func(t *testing.T, e *env) url.Values {
			return url.Values{"state": e.authorize(t, company, in)["state"]}
		}, "error", "missing_code", true, "", nil},
		{"code refused by Lever", func(t *testing.T, e *env) url.Values {
			q := e.authorize(t, company, in)
			q.Set("code", "forged")
			return q
		}, "error", "exchange_failed", true, "", nil},
		{"Lever down during the exchange", func(t *testing.T, e *env) url.Values {
			q := e.authorize(t, company, in)
			e.fake.FailNext("POST /oauth/token authorization_code", 1, leverfake.Failure{Status: 503})
			return q
		}, "error", "temporary_error", true, "", nil},
		{"state expired", func(t *testing.T, e *env) url.Values {
			e.svc.StateTTL = time.Nanosecond
			q := e.authorize(t, company, in)
			time.Sleep(time.Millisecond)
			return q
		}, "error", "state_expired", true, "", nil},
		{"state replayed", func(t *testing.T, e *env) url.Values {
			q := e.authorize(t, company, in)
			if r := e.svc.Callback(context.Background(), redirectURL, q); r.Status != "connected" {
				t.Fatalf("first callback: %+v", r)
			}
			e.refresh.ids = nil
			return q
		}, "error", "invalid_state", false, connection.Connected, func(e *env) string { return e.account.AdminID() }},
		{"state unknown", func(t *testing.T, e *env) url.Values {
			return url.Values{"state": {"made-up"}, "code": {"x"}}
		}, "error", "invalid_state", false, "", nil},
		{"state missing", func(t *testing.T, e *env) url.Values {
			return url.Values{"code": {"x"}}
		}, "error", "invalid_state", false, "", nil},
		{"state too long", func(t *testing.T, e *env) url.Values {
			return url.Values{"state": {strings.Repeat("s", 129)}}
		}, "error", "invalid_state", false, "", nil},
		{"state store down", func(t *testing.T, e *env) url.Values {
			q := e.authorize(t, company, in)
			e.svc.States = failingStates{}
			return q
		}, "error", "temporary_error", false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := context.Background()
			q := tt.prepare(t, e)

			res := e.svc.Callback(ctx, redirectURL, q)

			if res.Status != tt.wantStatus || res.Reason != tt.wantReason {
				t.Fatalf("Callback = %+v, want status %q reason %q", res, tt.wantStatus, tt.wantReason)
			}
			if !tt.wantRedirect {
				if res.Redirect != "" {
					t.Fatalf("Redirect = %q, want none for an untrusted state", res.Redirect)
				}
			} else {
				u, err := url.Parse(res.Redirect)
				if err != nil || u.Host != "vendor.example" || u.Query().Get("tab") != "lever" || u.Query().Get("status") != tt.wantStatus || u.Query().Get("reason") != tt.wantReason {
					t.Fatalf("Redirect = %q, want the return URL with status %s reason %q", res.Redirect, tt.wantStatus, tt.wantReason)
				}
				if res.CompanyID != company {
					t.Errorf("CompanyID = %q", res.CompanyID)
				}
			}
			if strings.Contains(res.Redirect, q.Get("code")) && q.Get("code") != "" {
				t.Errorf("the code leaks into the redirect %q", res.Redirect)
			}
			c, err := e.conns.Get(ctx, company)
			if tt.wantConn == "" {
				if !apperr.Is(err, apperr.NotFound) {
					t.Fatalf("a failed callback stored a connection: %+v", c)
				}
				if len(e.refresh.ids) != 0 {
					t.Errorf("a failed callback asked for a postings refresh")
				}
				return
			}
			if c.Status != tt.wantConn || c.Environment != connection.Sandbox || c.LeverAccountID != e.account.ID || c.PerformAsID != tt.wantPerform(e) {
				t.Fatalf("stored %+v", c)
			}
			access := e.open(t, company, c.SealedAccess)
			if strings.Contains(string(c.SealedAccess), access) || !c.AccessExpiry.After(time.Now()) {
				t.Fatalf("access token stored in plain text or already expired")
			}
			if _, err := e.lever.Refresh(ctx, connection.Sandbox, e.open(t, company, c.SealedRefresh)); err != nil {
				t.Fatalf("the stored refresh token does not work at Lever: %v", err)
			}
			if tt.wantStatus == "connected" && (len(e.refresh.ids) != 1 || e.refresh.ids[0] != company) {
				t.Errorf("postings refreshes asked = %v, want one for %s", e.refresh.ids, company)
			}
		})
	}
}

func TestCallbackReconnectKeepsLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.connect(t, "co-1", time.Now().Add(time.Hour))
	if err := e.vault.Revoke(ctx, "co-1", connection.ReasonLeverRevoked); err != nil {
		t.Fatal(err)
	}
	if _, err := e.links.Put(ctx, link.Link{CompanyID: "co-1", PositionID: "pos", PostingID: "post", Trigger: link.Never}); err != nil {
		t.Fatal(err)
	}
	e.refresh.err = apperr.E(apperr.Transient, "queue down") // not fatal: the schedule refreshes later
	res := e.svc.Callback(ctx, redirectURL, e.authorize(t, "co-1", connection.AuthorizeInput{ReturnURL: "https://vendor.example/", Environment: connection.Sandbox}))
	if res.Status != "connected" {
		t.Fatalf("reconnect: %+v", res)
	}
	c := e.stored(t, "co-1")
	if c.Status != connection.Connected || c.LastError != "" || c.RevokedReason != "" {
		t.Fatalf("after reconnect: %+v", c)
	}
	if ls, _ := e.links.List(ctx, "co-1"); len(ls) != 1 {
		t.Fatalf("links after reconnect = %d, want the one kept", len(ls))
	}
}

func TestAuthorizeValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        connection.AuthorizeInput
		wantField string // "" when valid
	}{
		{"defaults to production", connection.AuthorizeInput{ReturnURL: "https://vendor.example/x"}, ""},
		{"unknown environment", connection.AuthorizeInput{ReturnURL: "https://vendor.example/x", Environment: "staging"}, "environment"},
		{"foreign return URL", connection.AuthorizeInput{ReturnURL: "https://evil.example/x"}, "returnUrl"},
		{"perform-as not an email", connection.AuthorizeInput{ReturnURL: "https://vendor.example/x", PerformAsEmail: "Bob <bob@x.example>"}, "performAsEmail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			u, err := e.svc.Authorize(context.Background(), "co-1", redirectURL, tt.in)
			if tt.wantField != "" {
				if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != tt.wantField {
					t.Fatalf("Authorize error = %v, want Invalid naming %s", err, tt.wantField)
				}
				return
			}
			pu, perr := url.Parse(u)
			if err != nil || perr != nil || pu.Query().Get("state") == "" || pu.Query().Get("redirect_uri") != redirectURL {
				t.Fatalf("Authorize = %q, %v", u, err)
			}
			st, err := e.states.Consume(context.Background(), pu.Query().Get("state"))
			if err != nil || st.CompanyID != "co-1" || st.Environment != connection.Production || st.ReturnURL != tt.in.ReturnURL {
				t.Fatalf("stored state %+v, %v", st, err)
			}
		})
	}
}

func TestStatusAndDisconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	v, err := e.svc.Status(ctx, "co-1")
	if err != nil || v.Status != connection.NotConnected || v.ConnectedAt != nil {
		t.Fatalf("Status of a new company = %+v, %v", v, err)
	}
	if _, err := e.svc.Disconnect(ctx, "co-1"); err != nil {
		t.Fatalf("Disconnect of a new company: %v", err)
	}
	res := e.svc.Callback(ctx, redirectURL, e.authorize(t, "co-1", connection.AuthorizeInput{ReturnURL: "https://vendor.example/", Environment: connection.Sandbox}))
	if res.Status != "connected" {
		t.Fatalf("connect: %+v", res)
	}
	v, err = e.svc.Status(ctx, "co-1")
	if err != nil || v.Status != connection.Connected || v.ConnectedAt == nil || v.PerformAs == nil || v.PerformAs.ID != e.account.AdminID() || v.LeverAccountID != e.account.ID {
		t.Fatalf("Status when connected = %+v, %v", v, err)
	}
	if _, err := e.links.Put(ctx, link.Link{CompanyID: "co-1", PositionID: "pos", PostingID: "post", Trigger: link.Never}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Disconnect(ctx, "co-1"); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	v, err = e.svc.Status(ctx, "co-1")
	if err != nil || v.Status != connection.NotConnected || v.PerformAs != nil || v.ConnectedAt != nil {
		t.Fatalf("Status after Disconnect = %+v, %v", v, err)
	}
	if c := e.stored(t, "co-1"); c.SealedAccess != nil || c.SealedRefresh != nil || c.RevokedReason != connection.ReasonDisconnected {
		t.Fatalf("after Disconnect the tokens are kept: %+v", c)
	}
	if ls, _ := e.links.List(ctx, "co-1"); len(ls) != 0 {
		t.Fatalf("links after Disconnect = %d, want 0", len(ls))
	}
}
