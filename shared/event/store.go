package event

import (
	"context"
	"time"
)

// SeenStore remembers processed event ids for a while, to drop replays.
//
// MarkSeen records id until now+ttl and returns apperr Conflict when it was
// already recorded and has not expired. Of concurrent calls for one id,
// exactly one succeeds. Safe for concurrent use.
type SeenStore interface {
	MarkSeen(ctx context.Context, id string, now time.Time, ttl time.Duration) error
}
