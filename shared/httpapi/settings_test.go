package httpapi

import (
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestKeyIDAndPreconditions(t *testing.T) {
	t.Parallel()
	// printf %s test-key | sha256sum | cut -c1-8
	if got := KeyID("test-key"); got != "62af8704" {
		t.Errorf("KeyID = %q, want 62af8704", got)
	}
	for reason, want := range map[string]int{"stale_version": 412, "if_match_required": 428, "posting_not_found": 422} {
		if got := Status(apperr.E(apperr.Conflict, "x").WithReason(reason)); got != want {
			t.Errorf("Status(reason %s) = %d, want %d", reason, got, want)
		}
	}
}
