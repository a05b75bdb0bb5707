package dynamo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
)

// backoff sleeps a short jittered time before retry attempt (1-based) of an
// optimistic write, or returns the context's error.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(attempt) * (2*time.Millisecond + rand.N(8*time.Millisecond))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return apperr.Wrap(apperr.Transient, ctx.Err(), "cancelled")
	case <-t.C:
		return nil
	}
}

// batchWrite writes reqs (puts and deletes of distinct keys) in batches of
// 25, resubmitting unprocessed items with backoff.
func batchWrite(ctx context.Context, db DB, table string, reqs []types.WriteRequest) error {
	for len(reqs) > 0 {
		k := min(25, len(reqs))
		pending := map[string][]types.WriteRequest{table: reqs[:k]}
		reqs = reqs[k:]
		for attempt := 1; len(pending[table]) > 0; attempt++ {
			if attempt > 1 {
				if attempt > 10 {
					return apperr.E(apperr.Transient, "unprocessed items after %d attempts", attempt-1)
				}
				if err := backoff(ctx, attempt*4); err != nil {
					return err
				}
			}
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return storageErr(err, "batch write %s", table)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}

// queryAll runs a query to the end and returns every item.
func queryAll(ctx context.Context, db DB, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
	}
	return items, nil
}

// prefixQuery is a consistent query of one partition for sort keys that
// begin with prefix.
func prefixQuery(table, pk, prefix string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              aws.String(table),
		ConsistentRead:         aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": avS(pk), ":prefix": avS(prefix),
		},
	}
}

// requireID returns apperr Invalid when an id used in a key is empty.
func requireID(field, v string) error {
	if v == "" {
		return apperr.InvalidField(field, "%s is required", field)
	}
	return nil
}
