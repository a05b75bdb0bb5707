package posting

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/jsondecode"
)

// RefreshKind is the kind of a refresh request: the refresher function's
// asynchronous invocation payload asking for some companies' refresh.
// Any other payload is the refresher's schedule.
const RefreshKind = "postings.refresh"

// MaxRequestCompanies is the most companies one refresh request names:
// 500 ids of at most 128 bytes keep the payload (JSON-escaped) far below
// Lambda's 256 KB limit for an asynchronous invocation.
const MaxRequestCompanies = 500

// RefreshRequest is a refresh request: refresh CompanyIDs, unless a pass
// recorded after RequestedAt already did (a retried request redoes only
// what failed).
type RefreshRequest struct {
	Kind        string    `json:"kind" strict:"required"`
	CompanyIDs  []string  `json:"companyIds" strict:"required"`
	RequestedAt time.Time `json:"requestedAt" strict:"required"`
}

// EncodeRefreshRequest returns the refresh request payload for ids, asked
// at at. It is the only writer of that format.
func EncodeRefreshRequest(ids []string, at time.Time) []byte {
	b, _ := json.Marshal(RefreshRequest{Kind: RefreshKind, CompanyIDs: ids, RequestedAt: at.UTC()}) // strings and a time cannot fail
	return b
}

// IsRefreshRequest reports whether payload claims to be a refresh request
// (a JSON object whose kind is RefreshKind); DecodeRefreshRequest then
// checks the rest. Anything else is the schedule's event.
func IsRefreshRequest(payload []byte) bool {
	var k struct {
		Kind string `json:"kind"`
	}
	if !bytes.HasPrefix(bytes.TrimSpace(payload), []byte("{")) || json.Unmarshal(payload, &k) != nil {
		return false
	}
	return k.Kind == RefreshKind
}

// DecodeRefreshRequest reads a refresh request strictly. Errors: apperr
// Invalid naming the field (kind, companyIds, companyIds[i], requestedAt)
// for unknown fields, a wrong kind, no or more than MaxRequestCompanies
// companies, or an id that breaks the id rule (event.CheckID).
func DecodeRefreshRequest(payload []byte) (RefreshRequest, error) {
	var r RefreshRequest
	if err := jsondecode.Strict("", payload, &r); err != nil {
		return RefreshRequest{}, err
	}
	if r.Kind != RefreshKind {
		return RefreshRequest{}, apperr.InvalidField("kind", "must be %q", RefreshKind)
	}
	if len(r.CompanyIDs) == 0 || len(r.CompanyIDs) > MaxRequestCompanies {
		return RefreshRequest{}, apperr.InvalidField("companyIds", "must name 1 to %d companies, not %d", MaxRequestCompanies, len(r.CompanyIDs))
	}
	for i, id := range r.CompanyIDs {
		if err := event.CheckID(fmt.Sprintf("companyIds[%d]", i), id); err != nil {
			return RefreshRequest{}, err
		}
	}
	if r.RequestedAt.IsZero() {
		return RefreshRequest{}, apperr.InvalidField("requestedAt", "is required")
	}
	return r, nil
}
