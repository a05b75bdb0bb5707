package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// States implements connection.StateStore on the events table (pk =
// state#<id>, TTL expiresAt = the state's ExpiresAt). Safe for concurrent
// use.
type States struct {
	db    DB
	table string
	now   func() time.Time
}

var _ connection.StateStore = (*States)(nil)

// NewStates returns the OAuth state store on t.Events.
func NewStates(db DB, t Tables) *States {
	return &States{db: db, table: t.Events, now: time.Now}
}

type stateRecord struct {
	PK             string `dynamodbav:"pk"`
	ID             string `dynamodbav:"id"`
	CompanyID      string `dynamodbav:"companyId"`
	Environment    string `dynamodbav:"environment,omitempty"`
	ReturnURL      string `dynamodbav:"returnUrl,omitempty"`
	PerformAsEmail string `dynamodbav:"performAsEmail,omitempty"`
	CreatedAt      int64  `dynamodbav:"createdAt,omitempty"`
	Until          int64  `dynamodbav:"until,omitempty"`
	ExpiresAt      int64  `dynamodbav:"expiresAt,omitempty"`
}

func statePK(id string) string { return "state#" + id }

// Put stores a new state. It returns apperr Conflict when a state with the
// same id exists and has not expired (an expired one awaiting TTL deletion
// is replaced), and apperr Invalid when the id or company is empty.
func (s *States) Put(ctx context.Context, st connection.State) error {
	if err := requireID("id", st.ID); err != nil {
		return err
	}
	if err := requireID("companyId", st.CompanyID); err != nil {
		return err
	}
	r := stateRecord{
		PK: statePK(st.ID), ID: st.ID, CompanyID: st.CompanyID, Environment: string(st.Environment),
		ReturnURL: st.ReturnURL, PerformAsEmail: st.PerformAsEmail,
		CreatedAt: nanos(st.CreatedAt), Until: nanos(st.ExpiresAt),
	}
	if !st.ExpiresAt.IsZero() {
		r.ExpiresAt = ttlSeconds(st.ExpiresAt)
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "dynamo: encode state")
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR (attribute_exists(#until) AND #until < :now)"),
		ExpressionAttributeNames:  map[string]string{"#until": attrUntil},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": avN(s.now().UnixNano())},
	})
	if err != nil {
		// The id is the OAuth state secret: never put it in an error.
		return storageErr(err, "put oauth state for company %s", st.CompanyID)
	}
	return nil
}

// Consume deletes the state and returns it, in one conditional delete
// (attribute_exists(pk)): of
// concurrent calls for one id exactly one gets it, the others get apperr
// NotFound, as does an unknown id. As the port requires, an expired state
// that DynamoDB has not deleted yet is consumed and returned; the caller
// checks ExpiresAt (one TTL deleted already is NotFound, which the caller
// must treat the same way).
func (s *States) Consume(ctx context.Context, id string) (connection.State, error) {
	if id == "" {
		return connection.State{}, apperr.E(apperr.NotFound, "unknown oauth state")
	}
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(s.table),
		Key:                 map[string]types.AttributeValue{attrPK: avS(statePK(id))},
		ConditionExpression: aws.String("attribute_exists(pk)"),
		ReturnValues:        types.ReturnValueAllOld,
	})
	if cf, _ := isCondFailed(err); cf {
		return connection.State{}, apperr.E(apperr.NotFound, "unknown or already used oauth state")
	}
	if err != nil {
		return connection.State{}, storageErr(err, "consume oauth state")
	}
	if out.Attributes == nil {
		return connection.State{}, apperr.E(apperr.NotFound, "unknown or already used oauth state")
	}
	var r stateRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &r); err != nil {
		return connection.State{}, fmt.Errorf("dynamo: consume oauth state: %w", apperr.Wrap(apperr.Internal, err, "malformed state item"))
	}
	return connection.State{
		ID: r.ID, CompanyID: r.CompanyID, Environment: connection.Environment(r.Environment),
		ReturnURL: r.ReturnURL, PerformAsEmail: r.PerformAsEmail,
		CreatedAt: fromNanos(r.CreatedAt), ExpiresAt: fromNanos(r.Until),
	}, nil
}
