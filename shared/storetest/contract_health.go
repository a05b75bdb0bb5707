package storetest

import (
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/health"
)

// DeploymentStoreContract checks an implementation of health.Store.
func DeploymentStoreContract(t *testing.T, newStore func(t *testing.T) health.Store) {
	t.Run("GetNothingIsNotFound", func(t *testing.T) {
		t.Parallel()
		_, err := newStore(t).Get(ctx(t))
		wantCode(t, "Get", err, apperr.NotFound)
	})

	t.Run("TransitionWritesOnlyChanges", func(t *testing.T) {
		t.Parallel()
		c, s := ctx(t), newStore(t)
		broken := health.State{LeverCredentials: health.Broken, Since: base, Reason: "client_rejected"}
		steps := []struct {
			in        health.State
			wantWrote bool
			want      health.State
		}{
			{broken, true, broken},
			{health.State{LeverCredentials: health.Broken, Since: base.Add(time.Hour), Reason: "client_rejected"}, false, broken}, // Since stays the first
			{health.State{LeverCredentials: health.OK, Since: base.Add(2 * time.Hour)}, true, health.State{LeverCredentials: health.OK, Since: base.Add(2 * time.Hour)}},
		}
		for i, st := range steps {
			wrote, err := s.Transition(c, st.in)
			must(t, "Transition", err)
			if wrote != st.wantWrote {
				t.Errorf("step %d: wrote %v, want %v", i, wrote, st.wantWrote)
			}
			got, err := s.Get(c)
			must(t, "Get", err)
			wantEqual(t, "Get", got, st.want)
		}
	})
}
