package lever

import (
	"context"
	"net/http"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
)

// User is a Lever user (the perform_as candidates).
type User struct {
	ID                  string    `json:"id"`
	Name                string    `json:"name"`
	Username            string    `json:"username"`
	Email               string    `json:"email"`
	AccessRole          string    `json:"accessRole"`
	Photo               string    `json:"photo,omitempty"`
	CreatedAt           Timestamp `json:"createdAt"`
	DeactivatedAt       Timestamp `json:"deactivatedAt"`
	ExternalDirectoryID string    `json:"externalDirectoryId,omitempty"`
	JobTitle            string    `json:"jobTitle,omitempty"`
	ManagerID           string    `json:"managerId,omitempty"`
	LinkedContactIDs    []string  `json:"linkedContactIds,omitempty"` // null on most users (recorded users.json)
}

// Active reports whether the user is not deactivated.
func (u User) Active() bool { return u.DeactivatedAt == 0 }

// ListUsersParams filters ListUsers.
type ListUsersParams struct {
	Email              string // exact canonicalized email; empty for all
	IncludeDeactivated bool   // Lever returns active users only by default
}

// ListUsers returns every user matching p, following pagination (GET /users).
// Errors: see the package documentation.
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) ([]User, error) {
	q := make(map[string][]string)
	if p.Email != "" {
		q["email"] = []string{strings.ToLower(strings.TrimSpace(p.Email))}
	}
	if p.IncludeDeactivated {
		q["includeDeactivated"] = []string{"true"}
	}
	return listAll[User](ctx, c, "/users", "GET /users", q)
}

// UserByEmail returns the active user with the given email.
//
// Errors: apperr.NotFound when no user has it, with Reason
// "user_deactivated" when the only match is deactivated (it cannot be
// perform_as); otherwise as ListUsers.
func (c *Client) UserByEmail(ctx context.Context, email string) (User, error) {
	if err := requireID("email", email); err != nil {
		return User{}, err
	}
	users, err := c.ListUsers(ctx, ListUsersParams{Email: email, IncludeDeactivated: true})
	if err != nil {
		return User{}, err
	}
	deactivated := false
	for _, u := range users {
		if !strings.EqualFold(u.Email, strings.TrimSpace(email)) {
			continue
		}
		if u.Active() {
			return u, nil
		}
		deactivated = true
	}
	if deactivated {
		return User{}, apperr.E(apperr.NotFound, "lever: the Lever user with this email is deactivated").WithReason("user_deactivated")
	}
	return User{}, apperr.E(apperr.NotFound, "lever: no Lever user with this email")
}

// GetUser returns one user, deactivated or not (GET /users/:id,
// #retrieve-a-single-user). Errors: apperr.NotFound when there is none;
// otherwise see the package documentation.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	if err := requireID("userId", id); err != nil {
		return User{}, err
	}
	var env envelope[User]
	err := c.do(ctx, request{method: http.MethodGet, path: "/users/" + pathID(id), label: "GET /users/:id", idempotent: true}, &env)
	return env.Data, err
}
