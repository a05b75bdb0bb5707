package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/leverlink/leverlink/shared/logging"
)

// MaxRequestIDLength bounds a caller's X-Request-Id.
const MaxRequestIDLength = 100

// withRequestID returns r carrying its request id in the context (for every
// log line) and echoes it in the X-Request-Id response header. The id is the
// request's X-Request-Id when it is a valid one (ValidRequestID): the
// platform's (API Gateway's id, which the Lambda adapter sets and which
// wins) or else the caller's own; otherwise a new random one. Idempotent: a
// request that already carries an id keeps it.
func withRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	if id := logging.RequestID(r.Context()); id != "" {
		w.Header().Set("X-Request-Id", id)
		return r
	}
	id := r.Header.Get("X-Request-Id")
	if !ValidRequestID(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	w.Header().Set("X-Request-Id", id)
	return r.WithContext(logging.WithRequestID(r.Context(), id))
}

// ValidRequestID reports whether id may be echoed and logged: 1 to
// MaxRequestIDLength characters, each a letter, a digit or one of "-_.:=+/".
func ValidRequestID(id string) bool {
	if id == "" || len(id) > MaxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':' || c == '=' || c == '+' || c == '/':
		default:
			return false
		}
	}
	return true
}
