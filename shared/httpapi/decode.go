package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
)

// MaxBody bounds every request body.
const MaxBody = 1 << 20

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
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field == "":
			return apperr.InvalidField("body", "must be a JSON object")
		case errors.As(err, &te):
			return apperr.InvalidField(te.Field, "must be %s", jsonType(te.Type.Kind().String()))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return apperr.InvalidField("body", "is not valid JSON (it ends too early)")
		case errors.As(err, &se):
			return apperr.InvalidField("body", "is not valid JSON (offset %d)", se.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return apperr.InvalidField(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
		}
		return apperr.InvalidField("body", "is not valid: %v", err)
	}
	if dec.More() {
		return apperr.InvalidField("body", "has trailing data after the JSON value")
	}
	return nil
}

// jsonType names a Go kind as the JSON type a caller should send.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64", "float32":
		return "a number"
	}
	return "of another type"
}
