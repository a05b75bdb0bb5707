package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
)

// Events implements event.SeenStore on the events table (pk = event#<id>).
// Safe for concurrent use.
type Events struct {
	db    DB
	table string
}

var _ event.SeenStore = (*Events)(nil)

// NewEvents returns the seen-event store on t.Events.
func NewEvents(db DB, t Tables) *Events {
	return &Events{db: db, table: t.Events}
}

// MarkSeen records id until now+ttl with one conditional put, which
// succeeds when the id is unknown or its record expired at now (TTL
// deletion is lazy, so an expired record still present counts as absent).
// It returns apperr Conflict when the id was seen and has not expired: of
// concurrent calls for one id exactly one succeeds.
func (e *Events) MarkSeen(ctx context.Context, id string, now time.Time, ttl time.Duration) error {
	if err := requireID("id", id); err != nil {
		return err
	}
	until := now.Add(ttl)
	_, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(e.table),
		Item: map[string]types.AttributeValue{
			attrPK:        avS("event#" + id),
			attrUntil:     avN(until.UnixNano()),
			attrExpiresAt: avN(ttlSeconds(until)),
		},
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #until <= :now"),
		ExpressionAttributeNames:  map[string]string{"#until": attrUntil},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": avN(now.UnixNano())},
	})
	if err == nil {
		return nil
	}
	if cf, _ := isCondFailed(err); cf {
		return apperr.Wrap(apperr.Conflict, err, "event %s already processed", id).WithReason("replay")
	}
	return storageErr(err, "mark event %s seen", id)
}
