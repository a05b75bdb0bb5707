package dynamo

import (
	"context"
	"fmt"
	"math"
	"strconv"
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
// the last refill time and a version. Safe for concurrent use, across
// processes too.
type Buckets struct {
	db    DB
	table string
}

var _ throttle.Store = (*Buckets)(nil)

// NewBuckets returns the token-bucket store on t.Exports.
func NewBuckets(db DB, t Tables) *Buckets {
	return &Buckets{db: db, table: t.Exports}
}

// Take takes one token from the bucket named key at now. It reads the
// bucket (a missing or TTL-expired one is full), refills it by Rate×(now -
// last refill) up to Burst, and writes the result conditional on the
// version read, retrying on a concurrent write. Because every grant is a
// successful conditional write in one serial order, callers never get more
// than Burst + Rate×t tokens over any window of t seconds (given clocks that
// agree; a caller whose now is behind the stored refill time gets no refill).
//
// Take reserves a token: it returns 0 when one is available now, else the
// wait until the reserved one may be used (the stored count goes negative,
// down to MaxWait×Rate of debt). Past that it reserves nothing and returns
// apperr RateLimited with RetryAfter. Under heavy contention it may give up
// after a few attempts and return RateLimited with a short RetryAfter. It
// returns apperr Invalid for a bucket with Rate <= 0 or Burst < 1, and apperr
// Transient on storage failures.
func (b *Buckets) Take(ctx context.Context, key string, bk throttle.Bucket, now time.Time) (time.Duration, error) {
	if err := requireID("key", key); err != nil {
		return 0, err
	}
	if bk.Rate <= 0 || bk.Burst < 1 || math.IsInf(bk.Rate, 0) || math.IsNaN(bk.Rate) {
		return 0, apperr.InvalidField("bucket", "rate must be > 0 and burst >= 1")
	}
	k := map[string]types.AttributeValue{attrPK: avS(key), attrSK: avS(bucketPrefix + key)}
	burst := float64(bk.Burst)
	maxWait := bk.MaxWait
	if maxWait <= 0 {
		maxWait = throttle.DefaultMaxWait
	}
	for attempt := 1; attempt <= takeAttempts; attempt++ {
		out, err := b.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(b.table), Key: k, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return 0, transientErr(err, "read bucket %s", key)
		}
		tokens, last, version, err := decodeBucket(out.Item)
		if err != nil {
			return 0, fmt.Errorf("dynamo: read bucket %s: %w", key, err)
		}
		if version == 0 {
			tokens, last = burst, now
		}
		if now.After(last) {
			tokens = math.Min(burst, tokens+now.Sub(last).Seconds()*bk.Rate)
			last = now
		}
		// Reserve: the bucket may go into debt up to MaxWait; the caller
		// uses its token once the debt is paid back at Rate.
		var wait time.Duration
		if tokens < 1 {
			wait = time.Duration(math.Ceil((1 - tokens) / bk.Rate * float64(time.Second)))
			if wait > maxWait {
				e := apperr.E(apperr.RateLimited, "bucket %s is booked %s ahead", key, wait.Round(time.Millisecond))
				e.RetryAfter = wait - maxWait
				return 0, e
			}
		}
		in := &dynamodb.PutItemInput{
			TableName: aws.String(b.table),
			Item: map[string]types.AttributeValue{
				attrPK: k[attrPK], attrSK: k[attrSK],
				"tokens":      avF(tokens - 1),
				"refilledAt":  avN(last.UnixNano()),
				"version":     avN(version + 1),
				attrExpiresAt: avN(ttlSeconds(last.Add(time.Duration(burst/bk.Rate*float64(time.Second)) + bucketIdle))),
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
			return wait, nil
		}
		if cf, _ := isCondFailed(err); !cf {
			return 0, transientErr(err, "write bucket %s", key)
		}
		if err := backoff(ctx, 1); err != nil {
			return 0, err
		}
	}
	// Lost every race: others are taking tokens right now.
	e := apperr.E(apperr.RateLimited, "bucket %s is contended", key)
	e.RetryAfter = time.Duration(float64(time.Second) / bk.Rate / 2)
	return 0, e
}

// transientErr is storageErr, with any storage failure reported as
// Transient as the throttle.Store contract requires.
func transientErr(err error, format string, args ...any) error {
	return fmt.Errorf("dynamo: "+format+": %w", append(args, apperr.Wrap(apperr.Transient, err, "rate limiter storage unavailable"))...)
}

// decodeBucket reads a bucket item; version 0 means no bucket.
func decodeBucket(item map[string]types.AttributeValue) (tokens float64, last time.Time, version int64, err error) {
	if item == nil {
		return 0, time.Time{}, 0, nil
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
		return 0, time.Time{}, 0, apperr.E(apperr.Internal, "malformed bucket item")
	}
	return tokens, time.Unix(0, ns), version, nil
}
