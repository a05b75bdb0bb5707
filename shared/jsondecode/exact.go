package jsondecode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leverlink/leverlink/shared/apperr"
)

// RFC3339Example is the example every time error shows.
const RFC3339Example = "2026-01-02T15:04:05Z"

// exact walks b against the type of v before encoding/json decodes it, and
// refuses what encoding/json would accept silently: invalid UTF-8 (which it
// turns into U+FFFD), keys that match a field only case-insensitively,
// duplicate keys (last wins), null for a field that cannot be null (string,
// number, bool, object), a missing field tagged `strict:"required"`, and a
// string longer than its field's `maxLength:"N"` tag (in characters; for a
// list, each string of it). It
// also names the full path of an unknown field
// ("data.candidate.location.zip") and of a bad time ("data.message.sentAt"),
// which encoding/json does not. Errors are apperr Invalid naming the field.
func exact(prefix string, b []byte, v any) error {
	if !utf8.Valid(b) {
		return apperr.InvalidField(orBody(prefix), "is not valid UTF-8")
	}
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	w := walker{dec: dec}
	return w.value(t.Elem(), prefix)
}

var (
	rawType       = reflect.TypeOf(json.RawMessage(nil))
	timeType      = reflect.TypeOf(time.Time{})
	unmarshalType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

type walker struct{ dec *json.Decoder }

// errSyntax hands malformed JSON back to encoding/json, whose error the
// caller already words.
var errSyntax = errors.New("syntax")

func (w walker) token() (json.Token, error) {
	tok, err := w.dec.Token()
	if err != nil {
		return nil, errSyntax
	}
	return tok, nil
}

// value checks one JSON value against t (nil: any value).
func (w walker) value(t reflect.Type, path string) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	return w.valueTok(tok, t, path)
}

func (w walker) valueTok(tok json.Token, t reflect.Type, path string) error {
	if t == nil || t == rawType || (t != timeType && t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalType)) {
		return w.skip(tok, path)
	}
	if tok == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			return nil
		}
		return apperr.InvalidField(orBody(path), "must not be null")
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		s, ok := tok.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
			return apperr.InvalidField(orBody(path), "must be an RFC 3339 time such as %s", RFC3339Example)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return w.skip(tok, path) // encoding/json names the type mismatch
		}
		return w.object(t, path)
	case reflect.Map:
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return w.skip(tok, path) // encoding/json names the type mismatch
		}
		return w.mapping(t.Elem(), path)
	case reflect.Slice, reflect.Array:
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return w.skip(tok, path) // encoding/json names the type mismatch
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err := w.token()
		return err
	case reflect.Interface:
		return w.skip(tok, path)
	}
	return nil // scalars: encoding/json names type mismatches
}

// bounded checks one value like value, and a string (or each string of a
// list) against maxLen characters when maxLen > 0.
func (w walker) bounded(t reflect.Type, path string, maxLen int) error {
	if maxLen <= 0 {
		return w.value(t, path)
	}
	tok, err := w.token()
	if err != nil {
		return err
	}
	if s, ok := tok.(string); ok && utf8.RuneCountInString(s) > maxLen {
		return apperr.InvalidField(path, "must be at most %d characters", maxLen)
	}
	if d, ok := tok.(json.Delim); ok && d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		for i := 0; w.dec.More(); i++ {
			if err := w.bounded(t.Elem(), fmt.Sprintf("%s[%d]", path, i), maxLen); err != nil {
				return err
			}
		}
		_, err := w.token()
		return err
	}
	return w.valueTok(tok, t, path)
}

// fieldInfo is a struct field as JSON sees it.
type fieldInfo struct {
	typ      reflect.Type
	required bool
	maxLen   int // the maxLength tag: characters of a string, or of each string of a list
}

func fields(t reflect.Type, into map[string]fieldInfo) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				fields(ft, into)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		n, _ := strconv.Atoi(f.Tag.Get("maxLength"))
		into[name] = fieldInfo{typ: f.Type, required: f.Tag.Get("strict") == "required", maxLen: n}
	}
}

func (w walker) object(t reflect.Type, path string) error {
	known := map[string]fieldInfo{}
	fields(t, known)
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if key == "" {
			return apperr.InvalidField(orBody(path), "has a field with an empty name")
		}
		kp := join(path, key)
		if seen[key] {
			return apperr.InvalidField(kp, "appears more than once")
		}
		seen[key] = true
		f, ok := known[key]
		if !ok {
			for name := range known {
				if strings.EqualFold(name, key) {
					return apperr.InvalidField(kp, "is not a known field (field names are case-sensitive: %s)", join(path, name))
				}
			}
			return apperr.InvalidField(kp, "is not a known field")
		}
		if err := w.bounded(f.typ, kp, f.maxLen); err != nil {
			return err
		}
	}
	if _, err := w.token(); err != nil {
		return err
	}
	for name, f := range known {
		if f.required && !seen[name] {
			return apperr.InvalidField(join(path, name), "is required")
		}
	}
	return nil
}

func (w walker) mapping(elem reflect.Type, path string) error {
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if seen[key] {
			return apperr.InvalidField(join(path, key), "appears more than once")
		}
		seen[key] = true
		if err := w.value(elem, join(path, key)); err != nil {
			return err
		}
	}
	_, err := w.token()
	return err
}

// skip consumes the rest of a value whose first token is tok, refusing
// duplicate keys in any object inside it.
func (w walker) skip(tok json.Token, path string) error {
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		return w.mapping(nil, path)
	case '[':
		for i := 0; w.dec.More(); i++ {
			if err := w.value(nil, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err := w.token()
		return err
	}
	return nil
}
