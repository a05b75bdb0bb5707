package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/throttle"
)

// takeAttempts bounds the optimistic retries of one Take.
const takeAttempts = 8

// bucketIdle is how long an untouched bucket item lives after it would be
// full again (TTL): a deleted bucket restarts full, which it would be anyway.
const bucketIdle = time.Hour

// Buckets implements throttle.Store on the exports table: one item per
// bucket (pk = key, sk = bucket#<key>) holding the token count (a float),
// the last refill time, when it is full again and a version. The arithmetic
// is throttle.Bucket.Take's; Buckets only applies it under the version. Safe for concurrent use, across
// processes too.
type Buckets struct {
	db    DB
	table string

	// last remembers, per key, the state and version this instance last
	// wrote, so that the next Update can skip its read: the put is
	// conditional on that version, so when another writer changed the
	// bucket the put is refused and Update reads as usual. After a refusal
	// the key is not guessed for guessPause (a bucket shared by several
	// busy instances would otherwise pay a refused write on most takes).
	mu   sync.Mutex
	last map[string]lastBucket
}

type lastBucket struct {
	st       throttle.State
	version  int64
	missedAt time.Time // the last refused guess
}

// guessPause is how long a key whose guessed version was refused is read
// before writing again.
const guessPause = 30 * time.Second

// maxLastBuckets bounds Buckets.last; past it the map starts empty again.
const maxLastBuckets = 1024

// guess returns the state and version last written for key, if this
// instance may use them instead of a read.
func (b *Buckets) guess(key string, now time.Time) (throttle.State, int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.last[key]
	if !ok || l.version == 0 || now.Sub(l.missedAt) < guessPause {
		return throttle.State{}, 0, false
	}
	return l.st, l.version, true
}

// remember records what was written for key (version 0: forget it, as
// after a refused guess, keeping when it was refused).
func (b *Buckets) remember(key string, st throttle.State, version int64, missed time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last == nil || len(b.last) >= maxLastBuckets {
		b.last = map[string]lastBucket{}
	}
	l := b.last[key]
	if !missed.IsZero() {
		l.missedAt = missed
	}
	l.st, l.version = st, version
	b.last[key] = l
}

var _ throttle.Store = (*Buckets)(nil)

// NewBuckets returns the token-bucket store on t.Exports.
func NewBuckets(db DB, t Tables) *Buckets {
	return &Buckets{db: db, table: t.Exports}
}

// Update applies fn to the bucket named key: it reads the item (or starts
// from the state this instance last wrote: see Buckets.last) (found false
// when there is none; one past its TTL but not yet removed is found, and
// refills to full) and writes fn's state conditional on the
// version read (attribute_not_exists for a new item), calling fn again after
// a concurrent write, up to a few attempts; then it returns apperr Conflict.
// The item expires (TTL) an hour after the state's FullAt. It returns fn's
// error unchanged, apperr Invalid for an empty key, and apperr Transient on
// storage failures (as the throttle.Store contract requires).
func (b *Buckets) Update(ctx context.Context, key string, fn func(old throttle.State, found bool) (throttle.State, error)) error {
	if err := requireID("key", key); err != nil {
		return err
	}
	k := map[string]types.AttributeValue{attrPK: avS(key), attrSK: avS(bucketPrefix + key)}
	old, version, guessed := b.guess(key, time.Now())
	for attempt := 1; attempt <= takeAttempts; attempt++ {
		if attempt > 1 || !guessed {
			out, err := b.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(b.table), Key: k, ConsistentRead: aws.Bool(true)})
			if err != nil {
				return transientErr(err, "read bucket %s", key)
			}
			if old, version, err = decodeBucket(out.Item); err != nil {
				return fmt.Errorf("dynamo: read bucket %s: %w", key, err)
			}
		}
		next, err := fn(old, version > 0)
		if err != nil && attempt == 1 && guessed {
			continue // refused on the remembered state: judge the stored one
		}
		if err != nil {
			return err
		}
		in := &dynamodb.PutItemInput{
			TableName: aws.String(b.table),
			Item: map[string]types.AttributeValue{
				attrPK: k[attrPK], attrSK: k[attrSK],
				"tokens":      avF(next.Tokens),
				"refilledAt":  avN(next.RefilledAt.UnixNano()),
				"fullAt":      avN(next.FullAt.UnixNano()),
				"version":     avN(version + 1),
				attrExpiresAt: avN(ttlSeconds(next.FullAt.Add(bucketIdle))),
			},
		}
		if version == 0 {
			in.ConditionExpression = aws.String("attribute_not_exists(pk)")
		} else {
			in.ConditionExpression = aws.String("version = :v")
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": avN(version)}
		}
		_, err = b.db.PutItem(ctx, in)
		if err == nil {
			b.remember(key, next, version+1, time.Time{})
			return nil
		}
		if cf, _ := isCondFailed(err); !cf {
			b.remember(key, throttle.State{}, 0, time.Time{})
			return transientErr(err, "write bucket %s", key)
		}
		if attempt == 1 && guessed {
			b.remember(key, throttle.State{}, 0, time.Now())
			continue // read it: no backoff, the guess was only stale
		}
		if err := backoff(ctx, 1); err != nil {
			return err
		}
	}
	return apperr.E(apperr.Conflict, "bucket %s: lost %d concurrent writes", key, takeAttempts)
}

// transientErr is storageErr, with any storage failure reported as
// Transient as the throttle.Store contract requires.
func transientErr(err error, format string, args ...any) error {
	return fmt.Errorf("dynamo: "+format+": %w", append(args, apperr.Wrap(apperr.Transient, err, "rate limiter storage unavailable"))...)
}

// decodeBucket reads a bucket item; version 0 means no bucket. An item
// written before fullAt was stored reads FullAt zero (only its TTL used it).
func decodeBucket(item map[string]types.AttributeValue) (throttle.State, int64, error) {
	if item == nil {
		return throttle.State{}, 0, nil
	}
	num := func(name string) string {
		if v, ok := item[name].(*types.AttributeValueMemberN); ok {
			return v.Value
		}
		return ""
	}
	tokens, err1 := strconv.ParseFloat(num("tokens"), 64)
	ns, err2 := strconv.ParseInt(num("refilledAt"), 10, 64)
	version, err3 := strconv.ParseInt(num("version"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || version < 1 {
		return throttle.State{}, 0, apperr.E(apperr.Internal, "malformed bucket item")
	}
	st := throttle.State{Tokens: tokens, RefilledAt: time.Unix(0, ns)}
	if full, err := strconv.ParseInt(num("fullAt"), 10, 64); err == nil {
		st.FullAt = time.Unix(0, full)
	}
	return st, version, nil
}
