// Package jsondecode decodes JSON input strictly, turning every decoding
// failure into an apperr Invalid error that names the offending field, for
// the webhook events and the management API bodies alike.
package jsondecode

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Strict decodes b into v: unknown fields, wrong types, malformed JSON and
// trailing data are apperr Invalid errors whose Field is the offending
// field under prefix ("data.candidate.firstName"), or prefix itself ("body"
// when prefix is empty) when no field can be named.
//
// Strict is exact where encoding/json is lenient: invalid UTF-8, keys that
// differ from a field's name only in case, duplicate keys, null for a field
// that cannot be null and a missing field tagged `strict:"required"` are
// refused too, and a bad time names its own field with an RFC 3339 example.
func Strict(prefix string, b []byte, v any) error {
	if err := exact(prefix, b, v); err != nil && !errors.Is(err, errSyntax) {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fieldError(prefix, err)
	}
	if dec.More() {
		return apperr.InvalidField(orBody(prefix), "has trailing data after the JSON value")
	}
	return nil
}

func orBody(p string) string {
	if p == "" {
		return "body"
	}
	return p
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	if field == "" {
		return prefix
	}
	return prefix + "." + field
}

// fieldError turns a decoding error into an Invalid error naming the field.
func fieldError(prefix string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return apperr.InvalidField(orBody(prefix), "must be a JSON object")
	case errors.As(err, &te):
		return apperr.InvalidField(join(prefix, te.Field), "must be %s", jsonType(te.Type.Kind().String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.InvalidField(orBody(prefix), "is not valid JSON (it ends too early)")
	case errors.As(err, &se):
		return apperr.InvalidField(orBody(prefix), "is not valid JSON (offset %d)", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.InvalidField(join(prefix, f), "is not a known field")
	case strings.Contains(err.Error(), "parsing time"):
		return apperr.InvalidField(orBody(prefix), "has a time that is not RFC 3339 (such as %s)", RFC3339Example)
	}
	return apperr.InvalidField(orBody(prefix), "is not valid: %v", err)
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
