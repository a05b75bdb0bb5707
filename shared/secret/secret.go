// Package secret reads leverlink's secrets (management API keys, webhook
// HMAC secrets, the token sealing key, the Lever client secret) from a
// [Source] and turns them into what the code uses.
//
// It is pure: in AWS the Source is shared/ssmparam (SSM SecureString
// parameters read at cold start); the local stack and the tests use
// [Static]. Errors name the parameter, never its value.
package secret

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Source returns the value of a named secret parameter. A missing parameter
// is an apperr NotFound error. Implementations are safe for concurrent use.
type Source interface {
	Get(ctx context.Context, name string) (string, error)
}

// Static is a Source holding its values in memory, parameter name → value:
// for the local stack and tests. Do not modify it while in use.
type Static map[string]string

// Get returns the value of name, or apperr NotFound.
func (s Static) Get(_ context.Context, name string) (string, error) {
	v, ok := s[name]
	if !ok {
		return "", apperr.E(apperr.NotFound, "secret parameter %s not found", name)
	}
	return v, nil
}

// Keys reads parameter name and splits it into a list: values separated by
// commas or newlines, trimmed, empty ones and repeats dropped, in order.
// Several values exist during a rotation (add the new key, deploy, remove the
// old one). A parameter holding no value is an apperr Invalid error naming it.
func Keys(ctx context.Context, src Source, name string) ([]string, error) {
	v, err := src.Get(ctx, name)
	if err != nil {
		return nil, wrap(err, name)
	}
	var keys []string
	seen := map[string]bool{}
	for _, k := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if k = strings.TrimSpace(k); k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, apperr.E(apperr.Invalid, "secret parameter %s holds no value (want a comma- or newline-separated list)", name)
	}
	return keys, nil
}

// AESKeySize is the length of an AES-256 key in bytes.
const AESKeySize = 32

// AESKey reads parameter name as a base64-encoded (standard or URL
// alphabet, padded or not) AES-256 key and returns its 32 bytes. Anything
// else is an apperr Invalid error naming the parameter, not showing it.
// Generate one with `openssl rand -base64 32`.
func AESKey(ctx context.Context, src Source, name string) ([]byte, error) {
	v, err := src.Get(ctx, name)
	if err != nil {
		return nil, wrap(err, name)
	}
	v = strings.TrimSpace(v)
	var key []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err = enc.DecodeString(v); err == nil {
			break
		}
	}
	if err != nil {
		// err's text would quote the offending byte and its offset: leave it out.
		return nil, apperr.E(apperr.Invalid, "secret parameter %s is not base64 (want a base64-encoded %d-byte key, e.g. `openssl rand -base64 32`)", name, AESKeySize)
	}
	if len(key) != AESKeySize {
		return nil, apperr.E(apperr.Invalid, "secret parameter %s decodes to %d bytes, want %d (an AES-256 key, e.g. `openssl rand -base64 32`)", name, len(key), AESKeySize)
	}
	return key, nil
}

// wrap adds the parameter name to a Source error, keeping its code (an error
// without one becomes Internal).
func wrap(err error, name string) error {
	code := apperr.CodeOf(err)
	return apperr.Wrap(code, err, "read secret parameter %s", name)
}
