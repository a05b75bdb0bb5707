package memstore

import (
	"context"
	"strings"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// Payloads implements export.Payloads in memory (objects never expire).
type Payloads struct {
	mu sync.Mutex
	m  map[string][]byte
}

var _ export.Payloads = (*Payloads)(nil)

// NewPayloads returns an empty payload store.
func NewPayloads() *Payloads { return &Payloads{m: map[string][]byte{}} }

// Put stores a copy of body under key (apperr Invalid for an empty key).
func (p *Payloads) Put(_ context.Context, key string, body []byte) error {
	if key == "" {
		return apperr.InvalidField("key", "is required")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[key] = append([]byte(nil), body...)
	return nil
}

// Get returns a copy of what key holds (apperr NotFound when nothing).
func (p *Payloads) Get(_ context.Context, key string) ([]byte, error) {
	if key == "" {
		return nil, apperr.InvalidField("key", "is required")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.m[key]
	if !ok {
		return nil, apperr.E(apperr.NotFound, "no payload %s", key)
	}
	return append([]byte(nil), b...), nil
}

// DeletePrefix deletes every body whose key starts with prefix (apperr
// Invalid for an empty prefix) and returns how many.
func (p *Payloads) DeletePrefix(_ context.Context, prefix string) (int, error) {
	if prefix == "" {
		return 0, apperr.InvalidField("prefix", "is required")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for k := range p.m {
		if strings.HasPrefix(k, prefix) {
			delete(p.m, k)
			n++
		}
	}
	return n, nil
}
