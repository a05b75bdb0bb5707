package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
)

// versioned describes one item kind updated by read-modify-write under a
// version condition (connections, company settings).
type versioned[T any] struct {
	what   string // "connection", "settings": for errors
	read   func(ctx context.Context) (T, bool, error)
	zero   func() T                                         // the value when none is stored
	ver    func(*T) *int64                                  // the version field; it also pins the key fields fn may not change
	encode func(T) (map[string]types.AttributeValue, error) // the item to put
}

// updateVersioned is the one read-modify-write loop: read (or start from
// zero), apply fn, advance the version and put on the condition that the
// stored version is still the one read (attribute_not_exists(pk) for a first
// write). On a conflicting concurrent write it re-reads and calls fn again,
// up to updateAttempts, then returns apperr Conflict. An error from fn
// aborts without writing and is returned as is. It returns what it wrote.
func updateVersioned[T any](ctx context.Context, db DB, table, id string, v versioned[T], fn func(*T) error) (T, error) {
	var none T
	for attempt := 1; ; attempt++ {
		cur, found, err := v.read(ctx)
		if err != nil {
			return none, fmt.Errorf("dynamo: update %s %s: %w", v.what, id, err)
		}
		if !found {
			cur = v.zero()
		}
		read := *v.ver(&cur)
		if err := fn(&cur); err != nil {
			return none, err
		}
		*v.ver(&cur) = read + 1
		item, err := v.encode(cur)
		if err != nil {
			return none, apperr.Wrap(apperr.Internal, err, "dynamo: encode %s %s", v.what, id)
		}
		in := &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}
		if read == 0 {
			in.ConditionExpression = aws.String("attribute_not_exists(pk)")
		} else {
			in.ConditionExpression = aws.String("version = :v")
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": avN(read)}
		}
		_, err = db.PutItem(ctx, in)
		if err == nil {
			return cur, nil
		}
		if cf, _ := isCondFailed(err); !cf {
			return none, storageErr(err, "update %s %s", v.what, id)
		}
		if attempt >= updateAttempts {
			return none, fmt.Errorf("dynamo: update %s %s: %w", v.what, id,
				apperr.Wrap(apperr.Conflict, err, "%s changed concurrently %d times", v.what, attempt))
		}
		if err := backoff(ctx, attempt); err != nil {
			return none, fmt.Errorf("dynamo: update %s %s: %w", v.what, id, err)
		}
	}
}
