package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/leverlink/leverlink/shared/logging"
)

// withRequestID returns r carrying its request id in the context (for every
// log line) and echoes it in the X-Request-Id response header: the caller's
// X-Request-Id (API Gateway's id, set by the Lambda adapter) when present and
// at most 100 characters, else a new random one. A request that already
// carries one in its context is returned as is.
func withRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	if logging.RequestID(r.Context()) != "" {
		return r // an outer handler gave it one
	}
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 100 {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	w.Header().Set("X-Request-Id", id)
	return r.WithContext(logging.WithRequestID(r.Context(), id))
}
