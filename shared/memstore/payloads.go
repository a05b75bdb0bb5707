package memstore

import (
	"context"
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
