package memstore

import (
	"context"
	"sync"

	"github.com/leverlink/leverlink/shared/posting"
)

// AnnounceSettings implements posting.AnnounceSettings in memory: the
// companies set with SetInternal announce internal-only postings; every
// other company does not (the default). Safe for concurrent use.
type AnnounceSettings struct {
	mu       sync.Mutex
	internal map[string]bool
}

var _ posting.AnnounceSettings = (*AnnounceSettings)(nil)

// SetInternal sets whether companyID announces internal-only postings.
func (s *AnnounceSettings) SetInternal(companyID string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.internal == nil {
		s.internal = map[string]bool{}
	}
	s.internal[companyID] = on
}

// InternalAnnounced reports the company's setting (false when unset).
func (s *AnnounceSettings) InternalAnnounced(_ context.Context, companyID string) (bool, error) {
	if err := requireID("companyId", companyID); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.internal[companyID], nil
}
