package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/health"
)

// deploymentPK is the key of the deployment's own item in the connections
// table. '#' is not allowed in a company id (event.CheckID), so it never
// collides with a company; it has no status, so ListActive skips it.
const deploymentPK = "#deployment"

// Deployment stores the deployment's health.State in the connections
// table (GetItem and a conditional PutItem: the calls the connection store
// makes already). Safe for concurrent use.
type Deployment struct {
	db    DB
	table string
}

var _ health.Store = (*Deployment)(nil)

// NewDeployment returns the deployment state store on t.Connections.
func NewDeployment(db DB, t Tables) *Deployment {
	return &Deployment{db: db, table: t.Connections}
}

type deploymentRecord struct {
	PK               string `dynamodbav:"pk"`
	LeverCredentials string `dynamodbav:"leverCredentials"`
	Since            int64  `dynamodbav:"since"`
	Reason           string `dynamodbav:"reason,omitempty"`
}

// Get returns the recorded state, or apperr NotFound.
func (d *Deployment) Get(ctx context.Context) (health.State, error) {
	out, err := d.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(d.table), Key: map[string]types.AttributeValue{attrPK: avS(deploymentPK)}, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return health.State{}, storageErr(err, "get deployment state")
	}
	if out.Item == nil {
		return health.State{}, apperr.E(apperr.NotFound, "no deployment state recorded")
	}
	var r deploymentRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return health.State{}, apperr.Wrap(apperr.Internal, err, "malformed deployment item")
	}
	return health.State{LeverCredentials: health.Credentials(r.LeverCredentials), Since: fromNanos(r.Since), Reason: r.Reason}, nil
}

// Transition writes s unless the stored credentials state already is
// s.LeverCredentials (see health.Store).
func (d *Deployment) Transition(ctx context.Context, s health.State) (bool, error) {
	item, err := attributevalue.MarshalMap(deploymentRecord{
		PK: deploymentPK, LeverCredentials: string(s.LeverCredentials), Since: nanos(s.Since), Reason: s.Reason,
	})
	if err != nil {
		return false, apperr.Wrap(apperr.Internal, err, "dynamo: encode deployment state")
	}
	_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(d.table), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR leverCredentials <> :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": avS(string(s.LeverCredentials))},
	})
	if err == nil {
		return true, nil
	}
	if cf, _ := isCondFailed(err); cf {
		return false, nil
	}
	return false, storageErr(err, "record deployment state")
}
