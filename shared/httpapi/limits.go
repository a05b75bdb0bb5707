package httpapi

import (
	"net/http"
	"unicode/utf8"

	"github.com/leverlink/leverlink/shared/apperr"
)

// QueryLimits bounds the management API's query parameters, in characters
// (OpenAPI documents each as maxLength; a test compares them). Body fields
// are bounded by their structs' maxLength tags (jsondecode.Strict).
var QueryLimits = map[string]int{
	"state":      200,
	"q":          200,
	"cursor":     1024,
	"positionId": 128,
	"limit":      3,
}

// checkQuery refuses a query parameter longer than its limit, or given
// more than once, or not valid UTF-8: apperr Invalid naming it.
func checkQuery(r *http.Request) error {
	q := r.URL.Query()
	for name, max := range QueryLimits {
		vs := q[name]
		if len(vs) > 1 {
			return apperr.InvalidField(name, "must be given at most once")
		}
		if len(vs) == 1 && (!utf8.ValidString(vs[0]) || utf8.RuneCountInString(vs[0]) > max) {
			return apperr.InvalidField(name, "must be valid UTF-8 of at most %d characters", max)
		}
	}
	return nil
}
