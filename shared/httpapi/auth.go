package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// KeySource returns the current API keys (from one SSM SecureString holding
// a list, so keys rotate without downtime: add the new key, roll clients,
// remove the old one).
//
// A key is either "KEY" (the vendor's backend: every company) or
// "companyId=KEY" (one company only).
type KeySource interface {
	Keys(ctx context.Context) ([]string, error)
}

// KeyFunc adapts a function to KeySource.
type KeyFunc func(ctx context.Context) ([]string, error)

// Keys calls f.
func (f KeyFunc) Keys(ctx context.Context) ([]string, error) { return f(ctx) }

// CachedKeys re-reads its source at most every TTL (default 1 minute), so a
// rotated key list reaches warm functions without a deploy. When a re-read
// fails it keeps the last good list. Safe for concurrent use.
type CachedKeys struct {
	Source KeySource
	TTL    time.Duration

	mu   sync.Mutex
	keys []string
	at   time.Time
}

// Keys returns the cached keys, refreshing them when older than TTL.
func (c *CachedKeys) Keys(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ttl := c.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	if c.keys != nil && time.Since(c.at) < ttl {
		return c.keys, nil
	}
	keys, err := c.Source.Keys(ctx)
	if err != nil {
		if c.keys != nil {
			return c.keys, nil
		}
		return nil, err
	}
	c.keys, c.at = keys, time.Now()
	return keys, nil
}

// parseKey splits one configured key into its company scope ("" for every
// company) and the key itself. "companyId=KEY" is scoped; anything else is
// an unscoped key, including base64 keys whose padding ends in '='
// ("abc=", "abc==", as `openssl rand -base64` makes them): a scope needs a
// non-empty key after the first '=' that does not itself start with '='.
func parseKey(k string) (scope, key string) {
	s, rest, found := strings.Cut(k, "=")
	if !found || s == "" || rest == "" || rest[0] == '=' {
		return "", k
	}
	return s, rest
}

// authorize checks "Bearer <key>" against every key in constant time per
// key (the loop does not stop at a match), then the key's company scope: the
// request is allowed when any entry holding the presented key is unscoped
// or scoped to companyID. An empty key never matches.
func authorize(ctx context.Context, src KeySource, header, companyID string) error {
	const prefix = "Bearer "
	if len(header) <= len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return apperr.E(apperr.Unauthorized, "missing bearer API key").WithReason("missing_key")
	}
	presented := strings.TrimSpace(header[len(prefix):])
	if presented == "" {
		return apperr.E(apperr.Unauthorized, "missing bearer API key").WithReason("missing_key")
	}
	got := sha256.Sum256([]byte(presented))
	keys, err := src.Keys(ctx)
	if err != nil {
		return apperr.Wrap(apperr.Transient, err, "API keys unavailable")
	}
	matched, allowed := 0, 0
	for _, k := range keys {
		scope, key := parseKey(k)
		want := sha256.Sum256([]byte(key))
		eq := subtle.ConstantTimeCompare(got[:], want[:])
		matched |= eq
		if scope == "" || scope == companyID {
			allowed |= eq
		}
	}
	if matched == 0 {
		return apperr.E(apperr.Unauthorized, "invalid API key").WithReason("invalid_key")
	}
	if allowed == 0 {
		return apperr.E(apperr.Forbidden, "this API key is not valid for company %s", companyID).WithReason("wrong_company")
	}
	return nil
}
