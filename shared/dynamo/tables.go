package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/stackdef"
)

// Logical ids of the template's tables, as Tables fields.
const (
	connectionsTableID = "ConnectionsTable"
	linksTableID       = "LinksTable"
	exportsTableID     = "ExportsTable"
	eventsTableID      = "EventsTable"
	outboxTableID      = "OutboxTable"
)

// tableWait bounds the wait for a created table to become active.
const tableWait = 5 * time.Minute

// CreateTables creates the tables the template declares, named prefix+Name,
// on-demand, with their global secondary indexes (projection ALL), waits
// until each is active and enables its TTL attribute. It is idempotent: an
// existing table or an enabled TTL is fine. It returns the resolved names of
// the four tables leverlink uses, taken by logical id (ConnectionsTable,
// LinksTable, ExportsTable, EventsTable; a missing one is left empty).
// Meant for the local stack and tests; production tables come from the
// template through CloudFormation.
func CreateTables(ctx context.Context, db *dynamodb.Client, tables []stackdef.Table, prefix string) (Tables, error) {
	var names Tables
	for _, t := range tables {
		name := prefix + t.Name
		if err := createTable(ctx, db, t, name); err != nil {
			return Tables{}, err
		}
		switch t.LogicalID {
		case connectionsTableID:
			names.Connections = name
		case linksTableID:
			names.Links = name
		case exportsTableID:
			names.Exports = name
		case eventsTableID:
			names.Events = name
		case outboxTableID:
			names.Outbox = name
		}
	}
	return names, nil
}

func createTable(ctx context.Context, db *dynamodb.Client, t stackdef.Table, name string) error {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(t.HashKey, t.RangeKey),
	}
	for attr, typ := range t.Attributes {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(attr), AttributeType: types.ScalarAttributeType(typ),
		})
	}
	if t.StreamView != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(t.StreamView)}
	}
	for _, ix := range t.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.HashKey, ix.RangeKey),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	_, err := db.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return storageErr(err, "create table %s", name)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 5 * time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tableWait); err != nil {
		return fmt.Errorf("dynamo: wait for table %s: %w", name, err)
	}
	if t.TTLAttribute == "" {
		return nil
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return storageErr(err, "describe ttl of %s", name)
	}
	if d := ttl.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == t.TTLAttribute &&
		(d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true),
		},
	})
	return storageErr(err, "enable ttl on %s", name)
}

func keySchema(hash, rng string) []types.KeySchemaElement {
	ks := []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}}
	if rng != "" {
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
	}
	return ks
}
