package memstore

import (
	"context"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/health"
)

// Deployment implements health.Store in memory.
type Deployment struct {
	mu    sync.Mutex
	state *health.State
}

var _ health.Store = (*Deployment)(nil)

// NewDeployment returns an empty deployment state store.
func NewDeployment() *Deployment { return &Deployment{} }

// Get returns the recorded state, or apperr NotFound.
func (d *Deployment) Get(context.Context) (health.State, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state == nil {
		return health.State{}, apperr.E(apperr.NotFound, "no deployment state recorded")
	}
	return *d.state, nil
}

// Transition writes s unless the stored credentials state already is
// s.LeverCredentials.
func (d *Deployment) Transition(_ context.Context, s health.State) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state != nil && d.state.LeverCredentials == s.LeverCredentials {
		return false, nil
	}
	d.state = &s
	return true, nil
}
