package export

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

type outcomeCase struct {
	name string
	err  error
	want JobOutcome
}

func outcomeCases() []outcomeCase {
	rate := apperr.E(apperr.RateLimited, "slow down").WithReason("TooManyRequests")
	rate.RetryAfter = 3 * time.Second
	return []outcomeCase{
		{"nil is done", nil, JobOutcome{Fate: FateDone}},
		{"transient", fmt.Errorf("create opportunity: %w", apperr.E(apperr.Transient, "502 from Lever")), JobOutcome{Fate: FateRetry}},
		{"rate limited keeps Retry-After, not Lever's code", rate, JobOutcome{Fate: FateRetry, RetryAfter: 3 * time.Second}},
		{"conflict (a concurrent holder)", apperr.E(apperr.Conflict, "claim lost"), JobOutcome{Fate: FateRetry}},
		{"internal", fmt.Errorf("boom"), JobOutcome{Fate: FateRetry}},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), JobOutcome{Fate: FateRetry}},
		{"canceled", context.Canceled, JobOutcome{Fate: FateRetry}},
		{"grant refused by the token endpoint", apperr.E(apperr.Unauthorized, "no").WithReason("invalid_grant"), JobOutcome{Fate: FateSkipped, Reason: ReasonLeverRevoked}},
		{"token rejected by the API", apperr.E(apperr.Unauthorized, "no").WithReason("token_rejected"), JobOutcome{Fate: FateSkipped, Reason: ReasonLeverRevoked}},
		{"vault: not connected", apperr.E(apperr.Unauthorized, "no").WithReason("not_connected"), JobOutcome{Fate: FateSkipped, Reason: ReasonNotConnected}},
		{"vault: reauth required", apperr.E(apperr.Unauthorized, "no").WithReason("reauth_required"), JobOutcome{Fate: FateSkipped, Reason: ReasonReauthRequired}},
		{"unauthorized without reason", apperr.E(apperr.Unauthorized, "no"), JobOutcome{Fate: FateSkipped, Reason: ReasonLeverRevoked}},
		{"Lever refused the write", fmt.Errorf("create opportunity: %w", apperr.E(apperr.Invalid, "Invalid email").WithReason("BadRequestError")),
			JobOutcome{Fate: FateFailed, Reason: ReasonLeverRejected, Detail: "invalid: Invalid email"}},
		{"Lever forbids", apperr.E(apperr.Forbidden, "no access"), JobOutcome{Fate: FateFailed, Reason: ReasonLeverRejected, Detail: "forbidden: no access"}},
		{"Lever lost the posting", apperr.E(apperr.NotFound, "posting not found"), JobOutcome{Fate: FateFailed, Reason: ReasonLeverRejected, Detail: "not_found: posting not found"}},
		{"invalid candidate", apperr.InvalidField("candidate.id", "does not match candidateId"),
			JobOutcome{Fate: FateFailed, Reason: ReasonInvalidJob, Detail: "invalid candidate.id: does not match candidateId"}},
		{"invalid resume", apperr.InvalidField("candidate.resume.contentBase64", "is not valid base64"),
			JobOutcome{Fate: FateFailed, Reason: ReasonInvalidJob, Detail: "invalid candidate.resume.contentBase64: is not valid base64"}},
		{"malformed job body", apperr.InvalidField("job", "malformed job body"),
			JobOutcome{Fate: FateFailed, Reason: ReasonInvalidJob, Detail: "invalid job: malformed job body"}},
		{"unknown job kind", apperr.InvalidField("kind", "unknown"), JobOutcome{Fate: FateFailed, Reason: ReasonInvalidJob, Detail: "invalid kind: unknown"}},
		{"invalid push note", apperr.InvalidField("note.body", "is blank"), JobOutcome{Fate: FateFailed, Reason: ReasonInvalidJob, Detail: "invalid note.body: is blank"}},
		{"leverlink's own Lever call is invalid", apperr.InvalidField("perform_as", "required"),
			JobOutcome{Fate: FateFailed, Reason: ReasonLeverRejected, Detail: "invalid perform_as: required"}},
		{"a field named like a job field", apperr.InvalidField("candidates", "x"), JobOutcome{Fate: FateFailed, Reason: ReasonLeverRejected, Detail: "invalid candidates: x"}},
	}
}

func TestOutcomeOf(t *testing.T) {
	t.Parallel()
	for _, tt := range outcomeCases() {
		if got := OutcomeOf(tt.err); got != tt.want {
			t.Errorf("%s: OutcomeOf(%v) = %+v (%s), want %+v (%s)", tt.name, tt.err, got, got.Fate, tt.want, tt.want.Fate)
		}
	}
}

func lastOutcomeCases() []outcomeCase {
	rate := apperr.E(apperr.RateLimited, "slow down")
	rate.RetryAfter = 3 * time.Second
	return []outcomeCase{
		{"nil is done", nil, JobOutcome{Fate: FateDone}},
		{"transient fails, exhausted", fmt.Errorf("create opportunity: %w", apperr.E(apperr.Transient, "502 from Lever")),
			JobOutcome{Fate: FateFailed, Reason: ReasonRetriesExhausted, Detail: "transient: 502 from Lever"}},
		{"rate limited fails, exhausted", rate, JobOutcome{Fate: FateFailed, Reason: ReasonRetriesExhausted, Detail: "rate_limited: slow down"}},
		{"deadline fails, exhausted", fmt.Errorf("call: %w", context.DeadlineExceeded), JobOutcome{Fate: FateFailed, Reason: ReasonRetriesExhausted, Detail: "transient: timed out"}},
		{"a permanent failure keeps its reason", apperr.E(apperr.Forbidden, "no access"), JobOutcome{Fate: FateFailed, Reason: ReasonLeverRejected, Detail: "forbidden: no access"}},
		{"a skip stays a skip", apperr.E(apperr.Unauthorized, "no").WithReason("reauth_required"), JobOutcome{Fate: FateSkipped, Reason: ReasonReauthRequired}},
	}
}

func TestOutcomeOfLast(t *testing.T) {
	t.Parallel()
	for _, tt := range lastOutcomeCases() {
		if got := OutcomeOfLast(tt.err); got != tt.want {
			t.Errorf("%s: OutcomeOfLast(%v) = %+v (%s), want %+v (%s)", tt.name, tt.err, got, got.Fate, tt.want, tt.want.Fate)
		}
	}
}

func TestLastReceive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		count, max int
		want       bool
	}{
		{1, 8, false}, {7, 8, false}, {8, 8, true}, {9, 8, true}, {1, 1, true}, {5, 0, false}, {0, 0, false},
	}
	for _, tt := range tests {
		if got := LastReceive(tt.count, tt.max); got != tt.want {
			t.Errorf("LastReceive(%d, %d) = %v, want %v", tt.count, tt.max, got, tt.want)
		}
	}
}

func TestHandBackRules(t *testing.T) {
	t.Parallel()
	may := []struct {
		count, max int
		want       bool
	}{
		{1, 28, true}, {20, 28, true}, {21, 28, false}, {28, 28, false}, {0, 28, false}, {1, 8, false},
	}
	for _, tt := range may {
		if got := MayHandBack(tt.count, tt.max); got != tt.want {
			t.Errorf("MayHandBack(%d, %d) = %v, want %v", tt.count, tt.max, got, tt.want)
		}
	}
	for in, want := range map[time.Duration]time.Duration{
		0: time.Second, 300 * time.Millisecond: time.Second, 1500 * time.Millisecond: 2 * time.Second,
		3 * time.Second: 3 * time.Second, time.Hour: 5 * time.Minute,
	} {
		if got := HandBackDelay(in); got != want {
			t.Errorf("HandBackDelay(%s) = %s, want %s", in, got, want)
		}
	}
}
