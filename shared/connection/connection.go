// Package connection holds a company's Lever connection: the OAuth flow that
// creates it, the token vault that keeps its access token valid under a
// refresh lease, and disconnect / revocation.
package connection

import (
	"context"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Status is the state of a company's Lever connection as the API reports it.
type Status string

// Connection statuses.
const (
	NotConnected   Status = "not_connected"   // never connected, or disconnected by the vendor
	Connected      Status = "connected"       // tokens present and believed valid
	Revoked        Status = "revoked"         // Lever refused the grant (invalid_grant, 401 after refresh)
	ReauthRequired Status = "reauth_required" // tokens unusable for another reason (e.g. sealing key rotated)
	// PerformAsInactive: Lever refused a write because the perform-as user
	// was deactivated; exports and pushes wait until PUT
	// /connection/perform-as names an active user.
	PerformAsInactive Status = "perform_as_inactive"
)

// Environment selects Lever production or the Lever sandbox.
type Environment string

// Lever environments.
const (
	Production Environment = "production"
	Sandbox    Environment = "sandbox"
)

// Valid reports whether e is a known environment.
func (e Environment) Valid() bool { return e == Production || e == Sandbox }

// Connection is one company's link to one Lever account. Tokens are held
// sealed (AES-256-GCM, company id as associated data); the plaintext never
// leaves the vault. Version increases by one on every write and is the
// optimistic-concurrency condition for Store.Update.
type Connection struct {
	CompanyID      string
	Status         Status
	Environment    Environment
	LeverAccountID string
	PerformAsID    string // Lever user id used as perform_as
	PerformAsEmail string
	SealedAccess   []byte
	SealedRefresh  []byte
	AccessExpiry   time.Time
	Scopes         string
	// TokenRefreshedAt is when Lever last issued tokens for the connection
	// (connect or refresh): a refresh token unused for 90 days dies, so the
	// scheduled refresher keeps it under a day (Vault.KeepFresh).
	TokenRefreshedAt time.Time
	ConnectedAt      time.Time
	UpdatedAt        time.Time
	LastError        string // a stable reason code, never a token or a Lever body
	RevokedReason    string // e.g. "lever_revoked", "disconnected"

	// The company's settings (general opportunities, the consent gate)
	// are not here: they outlive a disconnect (package settings).

	// Refresh lease: held by LeaseOwner until LeaseUntil.
	LeaseOwner string
	LeaseUntil time.Time

	Version int64
}

// Unusable is the one "can this connection be used for Lever calls" rule:
// "" when it can, otherwise the reason it cannot: not_connected (never
// connected, disconnected, or the zero Connection of a company without
// one), lever_revoked (Lever refused the grant), reauth_required (the
// stored tokens cannot be opened) or perform_as_inactive (the perform-as
// user was deactivated in Lever: work waits, it is not skipped).
func (c Connection) Unusable() string {
	switch c.Status {
	case Connected:
		return ""
	case Revoked:
		return ReasonLeverRevoked
	case ReauthRequired:
		return ReasonReauth
	case PerformAsInactive:
		return ReasonPerformAsInactive
	}
	return ReasonNotConnected
}

// Active reports whether the connection can be used for Lever calls (see
// Unusable).
func (c Connection) Active() bool { return c.Unusable() == "" }

// ReadableStatuses are the statuses whose tokens are live, so that Lever
// can be read (postings, users) and the tokens must be kept fresh:
// connected, and perform_as_inactive (reading needs no perform-as user and
// the grant itself is fine). Stores list them for the scheduled refresh
// (Store.ListActive).
var ReadableStatuses = []Status{Connected, PerformAsInactive}

// Unreadable is the one "can Lever be read for this connection" rule: ""
// for the ReadableStatuses, otherwise Unusable's reason (not_connected,
// lever_revoked, reauth_required). Writes use Unusable.
func (c Connection) Unreadable() string {
	for _, s := range ReadableStatuses {
		if c.Status == s {
			return ""
		}
	}
	return c.Unusable()
}

// Getter reads a company's connection (apperr NotFound when it has none).
type Getter interface {
	Get(ctx context.Context, companyID string) (Connection, error)
}

// Usable reads the company's connection and applies Unusable: reason is ""
// when it can be used. A company without a connection is not an error: it
// gets the zero Connection (CompanyID set) and reason not_connected. Other
// read errors are returned wrapped.
func Usable(ctx context.Context, g Getter, companyID string) (c Connection, reason string, err error) {
	c, err = g.Get(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) {
		c, reason = UsableRead(companyID, Connection{}, false)
		return c, reason, nil
	}
	if err != nil {
		return Connection{}, "", fmt.Errorf("read connection: %w", err)
	}
	c, reason = UsableRead(companyID, c, true)
	return c, reason, nil
}

// UsableRead is Usable's answer on a connection read elsewhere (a batch
// read of several items): found false means the company has no connection,
// which is the zero Connection (CompanyID set) and reason not_connected.
// Pure.
func UsableRead(companyID string, c Connection, found bool) (Connection, string) {
	if !found {
		return Connection{CompanyID: companyID}, ReasonNotConnected
	}
	return c, c.Unusable()
}

// Store persists connections, one per company.
//
// Get returns an apperr NotFound error when the company has none.
// Update reads the connection (a zero Connection with CompanyID set and
// Version 0 when none exists), calls fn, and writes the result only if the
// stored version is still the one read; fn may be called again after a
// conflicting concurrent write (up to a few attempts, then apperr Conflict).
// fn returning an error aborts without writing. Update returns what it wrote.
// AcquireLease takes the refresh lease when it is free or expired at now,
// and returns apperr Conflict with the current holder's connection otherwise.
// ListActive pages through the company ids whose status is one of
// ReadableStatuses (connected, perform_as_inactive); the
// cursor is opaque, "" starts and an empty next cursor ends.
// All methods are safe for concurrent use.
type Store interface {
	Get(ctx context.Context, companyID string) (Connection, error)
	Update(ctx context.Context, companyID string, fn func(*Connection) error) (Connection, error)
	AcquireLease(ctx context.Context, companyID, owner string, now time.Time, ttl time.Duration) (Connection, error)
	ListActive(ctx context.Context, cursor string, limit int) (ids []string, next string, err error)
}

// State is a pending OAuth authorization: single use, expiring, bound to a
// company, an environment and the return URL.
type State struct {
	ID             string // the random value sent as the OAuth state parameter
	CompanyID      string
	Environment    Environment
	ReturnURL      string
	PerformAsEmail string
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// StateStore persists OAuth states.
//
// Put stores a new state (apperr Conflict if the id exists). Consume deletes
// and returns the state in one conditional operation: apperr NotFound when
// it is unknown or was already consumed; an expired state is consumed and
// returned, and the caller checks ExpiresAt. Safe for concurrent use:
// of many concurrent Consume calls for one id, exactly one succeeds.
type StateStore interface {
	Put(ctx context.Context, s State) error
	Consume(ctx context.Context, id string) (State, error)
}
