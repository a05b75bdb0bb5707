package throttle

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// TakeN is the token-bucket rule for n tokens at once (Take is TakeN with
// n = 1 and the bucket's MaxWait): from old at now it refills as Take does
// and, when the n-th token is due within `within`, reserves all n and
// returns the new state and the wait until the n-th token (0 when all are
// there now). Otherwise it reserves nothing and returns apperr RateLimited
// with RetryAfter: how long until the n-th token would be due without
// waiting more than `within`, so that a caller that comes back then is
// admitted. It returns apperr Invalid for an invalid bucket or n < 1. Pure.
func (b Bucket) TakeN(old State, found bool, now time.Time, n int, within time.Duration) (State, time.Duration, error) {
	if err := b.Validate(); err != nil {
		return State{}, 0, err
	}
	if n < 1 {
		return State{}, 0, apperr.InvalidField("n", "must be at least 1")
	}
	burst := float64(b.Burst)
	tokens, last := old.Tokens, old.RefilledAt
	if !found {
		tokens, last = burst, now
	}
	if now.After(last) {
		tokens = math.Min(burst, tokens+now.Sub(last).Seconds()*b.Rate)
		last = now
	}
	var wait time.Duration
	if need := float64(n) - tokens; need > 0 {
		wait = time.Duration(math.Ceil(need / b.Rate * float64(time.Second)))
	}
	if wait > within {
		e := apperr.E(apperr.RateLimited, "bucket is booked %s ahead", wait.Round(time.Millisecond))
		e.RetryAfter = wait - within
		return State{}, 0, e
	}
	next := State{Tokens: tokens - float64(n), RefilledAt: last}
	next.FullAt = last.Add(time.Duration(math.Ceil((burst - next.Tokens) / b.Rate * float64(time.Second))))
	return next, wait, nil
}

// booking is n tokens of one bucket reserved by Limiter.Admit, carried by a
// context to the Lever calls of one job: the i-th call uses token i, due at
// slot(i).
type booking struct {
	key      string
	start    time.Time
	tokens   float64 // in the bucket at start, before the reservation
	interval time.Duration
	n        int

	mu   sync.Mutex
	used int
}

type bookingKey struct{ key string }

// next takes the booking's next token: when it is due, and false when every
// booked token is used.
func (b *booking) next() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used >= b.n {
		return time.Time{}, false
	}
	b.used++
	need := float64(b.used) - b.tokens
	if need <= 0 {
		return b.start, true
	}
	return b.start.Add(time.Duration(math.Ceil(need * float64(b.interval)))), true
}

// Admit books n tokens of the limiter's bucket at once for one job (one
// Store.Update, TakeN) when the n-th is due within `within`: the returned
// context carries them, and Wait called with it uses them (sleeping at
// most until each is due) before taking more from the store. When the
// bucket is booked further ahead, nothing is reserved and Admit returns
// apperr RateLimited with RetryAfter (when to come back; a contended
// bucket answers the same way): the caller should hand the job back rather
// than sleep. Other errors: apperr Invalid, Transient (storage).
func (l Limiter) Admit(ctx context.Context, n int, within time.Duration) (context.Context, error) {
	now := l.Now
	if now == nil {
		now = time.Now
	}
	if err := l.Bucket.Validate(); err != nil {
		return ctx, err
	}
	t := now()
	var bk *booking
	err := l.Store.Update(ctx, l.Key, func(old State, found bool) (State, error) {
		next, _, err := l.Bucket.TakeN(old, found, t, n, within)
		if err != nil {
			return State{}, err
		}
		// The tokens there before the reservation, as TakeN refilled them.
		bk = &booking{key: l.Key, start: t, tokens: next.Tokens + float64(n), interval: time.Duration(float64(time.Second) / l.Bucket.Rate), n: n}
		return next, nil
	})
	if err != nil {
		return ctx, contended(err, l.Key, l.Bucket)
	}
	return context.WithValue(ctx, bookingKey{l.Key}, bk), nil
}

// contended maps a lost Update race to RateLimited, as Take does.
func contended(err error, key string, b Bucket) error {
	if apperr.Is(err, apperr.Conflict) {
		e := apperr.E(apperr.RateLimited, "bucket %s is contended", key)
		e.RetryAfter = time.Duration(float64(time.Second) / b.Rate * 2)
		return e
	}
	if apperr.Is(err, apperr.RateLimited) || apperr.Is(err, apperr.Invalid) {
		return err
	}
	return fmt.Errorf("throttle %s: %w", key, err)
}

// waited is the time Limiter.Wait has slept in this process.
var waited atomic.Int64

// Waited is the total time Limiter.Wait has slept in this process, for the
// benchmarks' bucket-wait share (Lambda time spent asleep on a bucket).
// Safe for concurrent use.
func Waited() time.Duration { return time.Duration(waited.Load()) }
