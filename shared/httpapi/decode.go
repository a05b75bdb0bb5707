package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/jsondecode"
)

// MaxBody bounds every request body: 5 MiB, under the 6 MB Lambda takes
// per synchronous invocation (the body travels inside the API Gateway
// event). A job larger than a queue message goes to S3 (export.SendJob).
const MaxBody = 5 << 20

// Decode reads a JSON body into v, strictly: unknown fields, trailing data,
// wrong types and oversized bodies are apperr Invalid errors naming the
// field. An empty body is an error unless allowEmpty.
func Decode(r *http.Request, v any, allowEmpty bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.InvalidField("body", "is larger than %d bytes", MaxBody)
		}
		return apperr.Wrap(apperr.Invalid, err, "cannot read the body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return apperr.InvalidField("body", "is required (JSON)")
	}
	return jsondecode.Strict("", body, v)
}
