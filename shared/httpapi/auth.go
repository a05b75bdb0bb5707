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

// authorize checks "Bearer <key>" against every key in constant time per
// key (the loop does not stop at a match), then the key's company scope.
func authorize(ctx context.Context, src KeySource, header, companyID string) error {
	const prefix = "Bearer "
	if len(header) <= len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return apperr.E(apperr.Unauthorized, "missing bearer API key").WithReason("missing_key")
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(header[len(prefix):])))
	keys, err := src.Keys(ctx)
	if err != nil {
		return apperr.Wrap(apperr.Transient, err, "API keys unavailable")
	}
	matched, scope := false, ""
	for _, k := range keys {
		s, key, scoped := strings.Cut(k, "=")
		if !scoped {
			key, s = k, ""
		}
		want := sha256.Sum256([]byte(key))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			matched, scope = true, s
		}
	}
	if !matched {
		return apperr.E(apperr.Unauthorized, "invalid API key").WithReason("invalid_key")
	}
	if scope != "" && scope != companyID {
		return apperr.E(apperr.Forbidden, "this API key is not valid for company %s", companyID).WithReason("wrong_company")
	}
	return nil
}
