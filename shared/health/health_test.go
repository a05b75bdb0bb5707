package health_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/health"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/memstore"
)

// TestMonitor: each token-endpoint answer moves the recorded state as
// lever.TokenFailureOf classifies it; passing trouble changes nothing.
func TestMonitor(t *testing.T) {
	rejected := apperr.E(apperr.Transient, "401 access_denied").WithReason(lever.ReasonClientRejected)
	grant := apperr.E(apperr.Unauthorized, "invalid_grant").WithReason(lever.ReasonInvalidGrant)
	down := apperr.E(apperr.Transient, "503")
	steps := []struct {
		name    string
		err     error
		want    health.Credentials
		wantLog bool
	}{
		{"nothing yet: 5xx says nothing", down, health.Unknown, false},
		{"client rejected: broken", rejected, health.Broken, true},
		{"5xx while broken: still broken", down, health.Broken, false},
		{"invalid_grant: our client was accepted", grant, health.OK, false},
		{"rejected again", rejected, health.Broken, true},
		{"success", nil, health.OK, false},
	}
	var logs bytes.Buffer
	store := memstore.NewDeployment()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := &health.Monitor{Store: store, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Now: func() time.Time { now = now.Add(time.Second); return now }, Recheck: time.Nanosecond}
	for _, st := range steps {
		logs.Reset()
		m.TokenResult(context.Background(), st.err)
		v, err := health.Status(context.Background(), store)
		if err != nil {
			t.Fatal(err)
		}
		if v.LeverCredentials != st.want {
			t.Errorf("%s: state %q, want %q", st.name, v.LeverCredentials, st.want)
		}
		if got := strings.Contains(logs.String(), `"alert":"lever_credentials_broken"`); got != st.wantLog {
			t.Errorf("%s: alert logged %v, want %v", st.name, got, st.wantLog)
		}
	}
}
