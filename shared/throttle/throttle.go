// Package throttle holds the per-company token bucket shared by every
// function instance, so that leverlink stays under Lever's rate limit
// (10 req/s steady, burst 20, per account).
//
// The arithmetic (Bucket.Take) is a pure function of the stored State; a
// Store only applies it atomically (Store.Update), so the DynamoDB adapter
// and the in-memory store share one rule.
package throttle

import (
	"context"
	"math"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Bucket describes a token bucket: Rate tokens per second, at most Burst.
// MaxWait bounds how far ahead a token may be reserved (default 10s).
type Bucket struct {
	Rate    float64
	Burst   int
	MaxWait time.Duration
}

// DefaultMaxWait is the reservation horizon when Bucket.MaxWait is zero.
const DefaultMaxWait = 10 * time.Second

// State is the stored state of one bucket: Tokens at RefilledAt. Tokens may
// be negative: tokens reserved ahead (debt paid back at Rate). FullAt is when
// the bucket will be full again if nobody takes a token; a store may forget
// the bucket some time after FullAt (a missing bucket is full).
type State struct {
	Tokens     float64
	RefilledAt time.Time
	FullAt     time.Time
}

// Validate returns apperr Invalid naming "bucket" unless Rate > 0 (finite)
// and Burst >= 1.
func (b Bucket) Validate() error {
	if b.Rate <= 0 || b.Burst < 1 || math.IsInf(b.Rate, 0) || math.IsNaN(b.Rate) {
		return apperr.InvalidField("bucket", "rate must be > 0 and burst >= 1")
	}
	return nil
}

// Take is the token-bucket rule: from the old state (found false when the
// bucket is not stored: it is full) at now, it refills by Rate×(now -
// RefilledAt) up to Burst and reserves one token. It returns the next state
// and the wait until the reserved token may be used: 0 when one is available
// now, else the time to pay back the debt (the next caller is scheduled after
// this one, so nobody polls). A clock behind RefilledAt gets no refill.
//
// When the reserved token would be more than MaxWait away, nothing is
// reserved: Take returns apperr RateLimited with RetryAfter (wait - MaxWait).
// It returns apperr Invalid for an invalid bucket (see Validate). Pure.
func (b Bucket) Take(old State, found bool, now time.Time) (State, time.Duration, error) {
	if err := b.Validate(); err != nil {
		return State{}, 0, err
	}
	burst := float64(b.Burst)
	maxWait := b.MaxWait
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	tokens, last := old.Tokens, old.RefilledAt
	if !found {
		tokens, last = burst, now
	}
	if now.After(last) {
		tokens = math.Min(burst, tokens+now.Sub(last).Seconds()*b.Rate)
		last = now
	}
	// Reserve: the bucket may go into debt up to MaxWait; the caller uses
	// its token once the debt is paid back at Rate.
	var wait time.Duration
	if tokens < 1 {
		wait = time.Duration(math.Ceil((1 - tokens) / b.Rate * float64(time.Second)))
		if wait > maxWait {
			e := apperr.E(apperr.RateLimited, "bucket is booked %s ahead", wait.Round(time.Millisecond))
			e.RetryAfter = wait - maxWait
			return State{}, 0, e
		}
	}
	next := State{Tokens: tokens - 1, RefilledAt: last}
	next.FullAt = last.Add(time.Duration(math.Ceil((burst - next.Tokens) / b.Rate * float64(time.Second))))
	return next, wait, nil
}

// Store persists bucket states, one per key.
//
// Update reads the state of the bucket named key (found false when none is
// stored, or it was forgotten after its FullAt), calls fn with it and stores
// fn's result only if the bucket was not written since the read (a version
// condition). After a conflicting concurrent write it calls fn again with
// the new state, a few times, then returns apperr Conflict. fn returning an
// error aborts without writing; Update returns that error. Every successful
// Update is one step of a single serial order per key, across processes.
// Errors are apperr Invalid for an empty key and apperr Transient on storage
// failures. Safe for concurrent use.
type Store interface {
	Update(ctx context.Context, key string, fn func(old State, found bool) (State, error)) error
}

// Take reserves one token from the bucket named key in s at now (see
// Bucket.Take). Used at their times, the tokens reserved by concurrent Take
// calls from any number of processes never exceed Burst + Rate×t over any
// window of t seconds (given clocks that agree), because every grant is one
// successful Store.Update. Errors: apperr Invalid for an invalid bucket or
// key; apperr RateLimited with RetryAfter when the bucket is booked more than
// MaxWait ahead or so contended that Update gave up; apperr Transient on
// storage failures.
func Take(ctx context.Context, s Store, key string, b Bucket, now time.Time) (time.Duration, error) {
	if err := b.Validate(); err != nil {
		return 0, err
	}
	var wait time.Duration
	err := s.Update(ctx, key, func(old State, found bool) (State, error) {
		next, w, err := b.Take(old, found, now)
		wait = w
		return next, err
	})
	if apperr.Is(err, apperr.Conflict) {
		// Lost every race: others are taking tokens right now.
		e := apperr.E(apperr.RateLimited, "bucket %s is contended", key)
		e.RetryAfter = time.Duration(float64(time.Second) / b.Rate / 2)
		return 0, e
	}
	if err != nil {
		return 0, err
	}
	return wait, nil
}
