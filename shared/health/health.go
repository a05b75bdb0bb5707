// Package health holds the deployment's own state, as opposed to one
// company's: whether this deployment's Lever client credentials (client id
// and secret) work. It learns it from every token-endpoint answer
// (Monitor.TokenResult), reports broken credentials loudly (an ERROR log
// line with a stable code that is also a CloudWatch embedded-metric-format
// record, alarmed on in template.yaml) and serves GET /v1/health (View).
package health

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
)

// Credentials is the state of the deployment's Lever client credentials.
type Credentials string

// Credential states.
const (
	Unknown Credentials = "unknown" // no token-endpoint answer recorded yet
	OK      Credentials = "ok"      // Lever accepted them on the last answer that tells
	Broken  Credentials = "broken"  // Lever refused them (invalid_client, 401 access_denied)
)

// Stable codes and metric names.
const (
	// CodeCredentialsBroken is the "alert" attribute of the ERROR log line written each
	// time Lever refuses the deployment's client credentials.
	CodeCredentialsBroken = "lever_credentials_broken"
	// MetricNamespace and MetricCredentialsBroken name the CloudWatch metric
	// that line carries (embedded metric format); template.yaml alarms on it.
	MetricNamespace         = "Leverlink"
	MetricCredentialsBroken = "LeverCredentialsBroken"
)

// State is the deployment's recorded state.
type State struct {
	LeverCredentials Credentials
	Since            time.Time // when LeverCredentials took its value
	Reason           string    // why it is broken (client_rejected), "" when ok
}

// Store persists the deployment's State.
//
// Get returns apperr NotFound when nothing was recorded yet. Transition
// writes s only when the stored LeverCredentials differs from
// s.LeverCredentials (or nothing is stored), in one conditional write, and
// reports whether it wrote: concurrent transitions to the same value write
// once, so Since is when the state first changed. Safe for concurrent use.
type Store interface {
	Get(ctx context.Context) (State, error)
	Transition(ctx context.Context, s State) (bool, error)
}

// Monitor records what token-endpoint answers say about the deployment's
// client credentials. It remembers the state it last recorded for
// Recheck (default 1 minute), so a healthy deployment does not write per
// refresh, yet a state another instance wrote is corrected within that
// time. Safe for concurrent use; a nil *Monitor does nothing.
type Monitor struct {
	Store   Store
	Log     *slog.Logger
	Now     func() time.Time
	Recheck time.Duration

	mu      sync.Mutex
	known   Credentials
	knownAt time.Time
}

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Monitor) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}

// TokenResult classifies err, the result of a code exchange or a refresh
// (nil for success), with lever.TokenFailureOf: success and invalid_grant
// (the client authenticated; the grant is the company's problem) mean the
// credentials work; TokenClientRejected means they are broken; other
// failures (5xx, timeouts, 429) say nothing. It never fails: a store error
// is logged and the state is written again on the next answer.
func (m *Monitor) TokenResult(ctx context.Context, err error) {
	if m == nil {
		return
	}
	if err == nil {
		m.record(ctx, State{LeverCredentials: OK})
		return
	}
	switch lever.TokenFailureOf(err) {
	case lever.TokenReconnect:
		m.record(ctx, State{LeverCredentials: OK})
	case lever.TokenClientRejected:
		// The embedded metric format record: CloudWatch Logs turns this
		// line into one LeverCredentialsBroken data point (no SDK call).
		emf := map[string]any{
			"Timestamp": m.now().UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  MetricNamespace,
				"Dimensions": [][]string{{}},
				"Metrics":    []map[string]string{{"Name": MetricCredentialsBroken, "Unit": "Count"}},
			}},
		}
		m.log().ErrorContext(ctx, "Lever refused this deployment's client credentials: fix the Lever client id/secret (docs/runbook.md); no connection is revoked",
			"alert", CodeCredentialsBroken, "reason", lever.ReasonClientRejected, "_aws", emf, MetricCredentialsBroken, 1)
		m.record(ctx, State{LeverCredentials: Broken, Reason: lever.ReasonClientRejected})
	}
}

func (m *Monitor) record(ctx context.Context, s State) {
	recheck := m.Recheck
	if recheck <= 0 {
		recheck = time.Minute
	}
	now := m.now()
	m.mu.Lock()
	fresh := m.known == s.LeverCredentials && now.Sub(m.knownAt) < recheck
	m.mu.Unlock()
	if fresh || m.Store == nil {
		return
	}
	s.Since = now.UTC()
	wrote, err := m.Store.Transition(ctx, s)
	if err != nil {
		m.log().WarnContext(ctx, "record Lever credentials state", "state", string(s.LeverCredentials), "err", err)
		return
	}
	if wrote {
		m.log().InfoContext(ctx, "Lever credentials state changed", "state", string(s.LeverCredentials))
	}
	m.mu.Lock()
	m.known, m.knownAt = s.LeverCredentials, now
	m.mu.Unlock()
}

// View is GET /v1/health.
type View struct {
	LeverCredentials Credentials `json:"leverCredentials"`
	Since            *time.Time  `json:"since,omitempty"`
	Reason           string      `json:"reason,omitempty"`
}

// Status returns the deployment's health view: leverCredentials unknown
// until a token-endpoint answer was recorded. Errors: the store's, wrapped.
func Status(ctx context.Context, st Store) (View, error) {
	s, err := st.Get(ctx)
	if apperr.Is(err, apperr.NotFound) {
		return View{LeverCredentials: Unknown}, nil
	}
	if err != nil {
		return View{}, fmt.Errorf("health: %w", err)
	}
	v := View{LeverCredentials: s.LeverCredentials, Reason: s.Reason}
	if !s.Since.IsZero() {
		t := s.Since
		v.Since = &t
	}
	return v, nil
}
