package connection

import (
	"context"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestUnusable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status Status
		want   string
	}{
		{Connected, ""},
		{"", ReasonNotConnected},
		{NotConnected, ReasonNotConnected},
		{Revoked, ReasonLeverRevoked},
		{ReauthRequired, ReasonReauth},
		{"something_new", ReasonNotConnected},
	} {
		c := Connection{Status: tt.status}
		if got := c.Unusable(); got != tt.want {
			t.Errorf("Unusable(%q) = %q, want %q", tt.status, got, tt.want)
		}
		if c.Active() != (tt.want == "") {
			t.Errorf("Active(%q) = %v, want %v", tt.status, c.Active(), tt.want == "")
		}
	}
}

// TestUnreadable: Lever can be read (postings, users) with live tokens,
// also while the perform-as user is deactivated; writes cannot then.
func TestUnreadable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status                 Status
		wantRead, wantUnusable string
	}{
		{Connected, "", ""},
		{PerformAsInactive, "", ReasonPerformAsInactive},
		{"", ReasonNotConnected, ReasonNotConnected},
		{NotConnected, ReasonNotConnected, ReasonNotConnected},
		{Revoked, ReasonLeverRevoked, ReasonLeverRevoked},
		{ReauthRequired, ReasonReauth, ReasonReauth},
	} {
		c := Connection{Status: tt.status}
		if got := c.Unreadable(); got != tt.wantRead {
			t.Errorf("Unreadable(%q) = %q, want %q", tt.status, got, tt.wantRead)
		}
		if got := c.Unusable(); got != tt.wantUnusable {
			t.Errorf("Unusable(%q) = %q, want %q", tt.status, got, tt.wantUnusable)
		}
	}
}

type getter struct {
	c   Connection
	err error
}

func (g getter) Get(context.Context, string) (Connection, error) { return g.c, g.err }

func TestUsable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		g          getter
		wantReason string
		wantCode   apperr.Code
	}{
		{"connected", getter{c: Connection{CompanyID: "acme", Status: Connected}}, "", ""},
		{"revoked", getter{c: Connection{CompanyID: "acme", Status: Revoked}}, ReasonLeverRevoked, ""},
		{"none", getter{err: apperr.E(apperr.NotFound, "no connection")}, ReasonNotConnected, ""},
		{"store trouble", getter{err: apperr.E(apperr.Transient, "throttled")}, "", apperr.Transient},
	} {
		c, reason, err := Usable(context.Background(), tt.g, "acme")
		if reason != tt.wantReason || apperr.CodeOf(err) != tt.wantCode {
			t.Errorf("%s: Usable = %q, %v; want %q, code %q", tt.name, reason, err, tt.wantReason, tt.wantCode)
		}
		if err == nil && c.CompanyID != "acme" {
			t.Errorf("%s: company %q, want acme", tt.name, c.CompanyID)
		}
	}
}

func TestAuthFailure(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		err        error
		wantReason string
		wantRevoke bool
		wantOK     bool
	}{
		{"nil", nil, "", false, false},
		{"transient", apperr.E(apperr.Transient, "x"), "", false, false},
		{"invalid_grant", apperr.E(apperr.Unauthorized, "x").WithReason("invalid_grant"), ReasonLeverRevoked, true, true},
		{"token_rejected", apperr.E(apperr.Unauthorized, "x").WithReason("token_rejected"), ReasonLeverRevoked, true, true},
		{"already revoked", apperr.E(apperr.Unauthorized, "x").WithReason(ReasonLeverRevoked), ReasonLeverRevoked, false, true},
		{"not connected", apperr.E(apperr.Unauthorized, "x").WithReason(ReasonNotConnected), ReasonNotConnected, false, true},
		{"reauth", apperr.E(apperr.Unauthorized, "x").WithReason(ReasonReauth), ReasonReauth, false, true},
		{"unauthorized, no reason", apperr.E(apperr.Unauthorized, "x"), ReasonLeverRevoked, false, true},
	} {
		reason, revoke, ok := AuthFailure(tt.err)
		if reason != tt.wantReason || revoke != tt.wantRevoke || ok != tt.wantOK {
			t.Errorf("%s: AuthFailure = %q %v %v, want %q %v %v", tt.name, reason, revoke, ok, tt.wantReason, tt.wantRevoke, tt.wantOK)
		}
	}
}
