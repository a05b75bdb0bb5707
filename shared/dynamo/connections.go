package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// updateAttempts bounds the optimistic retries of Connections.Update.
const updateAttempts = 5

// Connections implements connection.Store on the connections table: one
// item per company (pk = company id), sealed tokens as binary attributes, a
// version number as the optimistic-concurrency condition, and the refresh
// lease. Safe for concurrent use.
type Connections struct {
	db    DB
	table string
}

var _ connection.Store = (*Connections)(nil)

// NewConnections returns the connection store on t.Connections.
func NewConnections(db DB, t Tables) *Connections {
	return &Connections{db: db, table: t.Connections}
}

// connRecord is the stored form of a connection.Connection.
type connRecord struct {
	PK               string `dynamodbav:"pk"`
	Status           string `dynamodbav:"status,omitempty"`
	Environment      string `dynamodbav:"environment,omitempty"`
	LeverAccountID   string `dynamodbav:"leverAccountId,omitempty"`
	PerformAsID      string `dynamodbav:"performAsId,omitempty"`
	PerformAsEmail   string `dynamodbav:"performAsEmail,omitempty"`
	SealedAccess     []byte `dynamodbav:"sealedAccess,omitempty"`
	SealedRefresh    []byte `dynamodbav:"sealedRefresh,omitempty"`
	AccessExpiry     int64  `dynamodbav:"accessExpiry,omitempty"`
	Scopes           string `dynamodbav:"scopes,omitempty"`
	TokenRefreshedAt int64  `dynamodbav:"tokenRefreshedAt,omitempty"`
	ConnectedAt      int64  `dynamodbav:"connectedAt,omitempty"`
	UpdatedAt        int64  `dynamodbav:"updatedAt,omitempty"`
	LastError        string `dynamodbav:"lastError,omitempty"`
	RevokedReason    string `dynamodbav:"revokedReason,omitempty"`
	LeaseOwner       string `dynamodbav:"leaseOwner,omitempty"`
	LeaseUntil       int64  `dynamodbav:"leaseUntil,omitempty"`
	Version          int64  `dynamodbav:"version"`
}

func toConnRecord(c connection.Connection) connRecord {
	return connRecord{
		PK: c.CompanyID, Status: string(c.Status), Environment: string(c.Environment),
		LeverAccountID: c.LeverAccountID, PerformAsID: c.PerformAsID, PerformAsEmail: c.PerformAsEmail,
		SealedAccess: c.SealedAccess, SealedRefresh: c.SealedRefresh,
		AccessExpiry: nanos(c.AccessExpiry), Scopes: c.Scopes, TokenRefreshedAt: nanos(c.TokenRefreshedAt),
		ConnectedAt: nanos(c.ConnectedAt), UpdatedAt: nanos(c.UpdatedAt),
		LastError: c.LastError, RevokedReason: c.RevokedReason,
		LeaseOwner: c.LeaseOwner, LeaseUntil: nanos(c.LeaseUntil), Version: c.Version,
	}
}

func (r connRecord) connection() connection.Connection {
	return connection.Connection{
		CompanyID: r.PK, Status: connection.Status(r.Status), Environment: connection.Environment(r.Environment),
		LeverAccountID: r.LeverAccountID, PerformAsID: r.PerformAsID, PerformAsEmail: r.PerformAsEmail,
		SealedAccess: r.SealedAccess, SealedRefresh: r.SealedRefresh,
		AccessExpiry: fromNanos(r.AccessExpiry), Scopes: r.Scopes, TokenRefreshedAt: fromNanos(r.TokenRefreshedAt),
		ConnectedAt: fromNanos(r.ConnectedAt), UpdatedAt: fromNanos(r.UpdatedAt),
		LastError: r.LastError, RevokedReason: r.RevokedReason,
		LeaseOwner: r.LeaseOwner, LeaseUntil: fromNanos(r.LeaseUntil), Version: r.Version,
	}
}

func decodeConn(item map[string]types.AttributeValue) (connection.Connection, error) {
	var r connRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return connection.Connection{}, apperr.Wrap(apperr.Internal, err, "malformed connection item")
	}
	return r.connection(), nil
}

// Get returns the company's connection, or apperr NotFound.
func (s *Connections) Get(ctx context.Context, companyID string) (connection.Connection, error) {
	c, found, err := s.get(ctx, companyID)
	if err != nil {
		return connection.Connection{}, fmt.Errorf("dynamo: get connection %s: %w", companyID, err)
	}
	if !found {
		return connection.Connection{}, apperr.E(apperr.NotFound, "no connection for company %s", companyID)
	}
	return c, nil
}

func (s *Connections) get(ctx context.Context, companyID string) (connection.Connection, bool, error) {
	if err := requireID("companyId", companyID); err != nil {
		return connection.Connection{}, false, err
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{attrPK: avS(companyID)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return connection.Connection{}, false, storageErr(err, "read connection")
	}
	if out.Item == nil {
		return connection.Connection{}, false, nil
	}
	c, err := decodeConn(out.Item)
	return c, err == nil, err
}

// Update reads the connection (a zero Connection with CompanyID set and
// Version 0 when none exists), applies fn and writes the result on the
// condition that the stored version is still the one read; on a conflicting
// concurrent write it re-reads and calls fn again, up to a few attempts, then
// returns apperr Conflict. An error from fn aborts without writing and is
// returned as is. Update returns what it wrote (Version advanced by one;
// CompanyID cannot be changed by fn).
func (s *Connections) Update(ctx context.Context, companyID string, fn func(*connection.Connection) error) (connection.Connection, error) {
	return updateVersioned(ctx, s.db, s.table, companyID, versioned[connection.Connection]{
		what: "connection",
		read: func(ctx context.Context) (connection.Connection, bool, error) { return s.get(ctx, companyID) },
		zero: func() connection.Connection { return connection.Connection{CompanyID: companyID} },
		ver:  func(c *connection.Connection) *int64 { c.CompanyID = companyID; return &c.Version },
		encode: func(c connection.Connection) (map[string]types.AttributeValue, error) {
			return attributevalue.MarshalMap(toConnRecord(c))
		},
	}, fn)
}

// AcquireLease takes the token-refresh lease for owner until now+ttl when
// it is free or expired at now (one conditional write; Version advances) and
// returns the connection as written. It returns apperr NotFound when the
// company has no connection, and apperr Conflict together with the stored
// connection (showing the current holder) when another lease is unexpired;
// a fresh lease held by the same owner is a Conflict too.
func (s *Connections) AcquireLease(ctx context.Context, companyID, owner string, now time.Time, ttl time.Duration) (connection.Connection, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("owner", owner)); err != nil {
		return connection.Connection{}, err
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 map[string]types.AttributeValue{attrPK: avS(companyID)},
		UpdateExpression:    aws.String("SET leaseOwner = :o, leaseUntil = :u, version = version + :one"),
		ConditionExpression: aws.String("attribute_exists(pk) AND (attribute_not_exists(leaseOwner) OR attribute_not_exists(leaseUntil) OR leaseUntil <= :now)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":o": avS(owner), ":u": avN(nanos(now.Add(ttl))), ":now": avN(now.UnixNano()), ":one": avN(1),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		cf, old := isCondFailed(err)
		if !cf {
			return connection.Connection{}, storageErr(err, "acquire lease %s", companyID)
		}
		if old == nil {
			return connection.Connection{}, apperr.E(apperr.NotFound, "no connection for company %s", companyID)
		}
		c, derr := decodeConn(old)
		if derr != nil {
			return connection.Connection{}, fmt.Errorf("dynamo: acquire lease %s: %w", companyID, derr)
		}
		return c, fmt.Errorf("dynamo: acquire lease %s: %w", companyID,
			apperr.Wrap(apperr.Conflict, err, "refresh lease held until %s", c.LeaseUntil.Format(time.RFC3339Nano)).WithReason("lease_held"))
	}
	c, err := decodeConn(out.Attributes)
	if err != nil {
		return connection.Connection{}, fmt.Errorf("dynamo: acquire lease %s: %w", companyID, err)
	}
	return c, nil
}

// ListActive pages through the ids of the companies whose status is one of
// connection.ReadableStatuses (connected, perform_as_inactive), at most limit per page (100 when limit <= 0), in no particular
// order. The cursor is opaque: "" starts, an empty next cursor ends; a
// malformed cursor is apperr Invalid. It scans the table (the template has
// no index on status), reading only keys and status.
func (s *Connections) ListActive(ctx context.Context, cursor string, limit int) ([]string, string, error) {
	if limit <= 0 {
		limit = defaultPage
	}
	start, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	names, values := make([]string, len(connection.ReadableStatuses)), map[string]types.AttributeValue{}
	for i, st := range connection.ReadableStatuses {
		names[i] = fmt.Sprintf(":st%d", i)
		values[names[i]] = avS(string(st))
	}
	filter := "#st IN (" + strings.Join(names, ", ") + ")"
	var ids []string
	for {
		out, err := s.db.Scan(ctx, &dynamodb.ScanInput{
			TableName:                 aws.String(s.table),
			ExclusiveStartKey:         start,
			ProjectionExpression:      aws.String("pk"),
			FilterExpression:          aws.String(filter),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: values,
		})
		if err != nil {
			return nil, "", storageErr(err, "list active connections")
		}
		for i, item := range out.Items {
			id := getS(item, attrPK)
			ids = append(ids, id)
			if len(ids) == limit && (i < len(out.Items)-1 || out.LastEvaluatedKey != nil) {
				// Stopped inside the scan: resume after the last id returned.
				next, err := encodeCursor(map[string]types.AttributeValue{attrPK: avS(id)})
				return ids, next, err
			}
		}
		if out.LastEvaluatedKey == nil {
			return ids, "", nil
		}
		start = out.LastEvaluatedKey
	}
}
