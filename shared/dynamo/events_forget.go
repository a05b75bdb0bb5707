package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/export"
)

var _ export.SeenStore = (*Events)(nil)

// Forget removes a seen-event record, so that a delivery whose job could not
// be queued is processed when the sender retries. Idempotent.
func (e *Events) Forget(ctx context.Context, id string) error {
	if err := requireID("id", id); err != nil {
		return err
	}
	_, err := e.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(e.table),
		Key:       map[string]types.AttributeValue{attrPK: avS("event#" + id)},
	})
	if err != nil {
		return storageErr(err, "forget event %s", id)
	}
	return nil
}
