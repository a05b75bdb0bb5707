package connection

import (
	"context"
	"fmt"
	"net/mail"

	"github.com/leverlink/leverlink/shared/apperr"
)

// PerformAsInput is the body of PUT /connection/perform-as.
type PerformAsInput struct {
	Email string `json:"email" maxLength:"320"`
}

// SetPerformAs makes the Lever user with in.Email the connection's
// perform-as user, without reconnecting: it repairs a perform_as_inactive
// connection (status back to connected) or changes the user of a connected
// one. The user must exist and be active in Lever (looked up with the
// connection's own token). Errors: apperr Invalid naming email (malformed,
// no such user, deactivated); apperr Invalid with the connection's reason
// (not_connected, lever_revoked, reauth_required: the API answers 422, as
// for every operation the connection's state forbids) when it is neither
// connected nor perform_as_inactive; Lever's and the store's errors
// otherwise. Safe for concurrent use.
func (s *Service) SetPerformAs(ctx context.Context, companyID string, in PerformAsInput) (View, error) {
	if a, err := mail.ParseAddress(in.Email); in.Email == "" || err != nil || a.Address != in.Email {
		return View{}, apperr.InvalidField("email", "must be an email address")
	}
	c, err := s.Connections.Get(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) {
		return View{}, apperr.E(apperr.Invalid, "Lever is not connected for this company").WithReason(ReasonNotConnected)
	}
	if err != nil {
		return View{}, fmt.Errorf("perform-as: %w", err)
	}
	if !c.holdsTokens() {
		return View{}, unusableNow(c)
	}
	tok, err := s.Vault.AccessToken(ctx, companyID)
	if err != nil {
		return View{}, fmt.Errorf("perform-as: %w", err)
	}
	u, err := s.Lever.UserByEmail(ctx, c.Environment, tok, in.Email)
	switch {
	case apperr.ReasonOf(err) == "user_deactivated":
		return View{}, apperr.InvalidField("email", "the Lever user with this email is deactivated")
	case apperr.Is(err, apperr.NotFound):
		return View{}, apperr.InvalidField("email", "no Lever user with this email")
	case err != nil:
		return View{}, fmt.Errorf("perform-as: look up the user: %w", err)
	case u.Deactivated:
		return View{}, apperr.InvalidField("email", "the Lever user with this email is deactivated")
	}
	_, err = s.Connections.Update(ctx, companyID, func(cur *Connection) error {
		if !cur.holdsTokens() {
			return unusableNow(*cur)
		}
		cur.PerformAsID, cur.PerformAsEmail = u.ID, u.Email
		if cur.Status == PerformAsInactive {
			cur.Status, cur.LastError = Connected, ""
		}
		cur.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return View{}, fmt.Errorf("perform-as: %w", err)
	}
	s.log().InfoContext(ctx, "perform-as user set", "company_id", companyID, "perform_as_id", u.ID)
	return s.Status(ctx, companyID)
}

// unusableNow is SetPerformAs's answer for a connection that holds no
// usable tokens: apperr Invalid with its reason (connection.Unusable).
func unusableNow(c Connection) error {
	reason := c.Unusable()
	return apperr.E(apperr.Invalid, "Lever is not usable for this company (%s); reconnect Lever", reason).WithReason(reason)
}
