package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/outbox"
)

// Items of the outbox table (pk = company id):
//
//	sk "seq"          the company's last sequence (n)
//	sk "id#<eventId>" the sequence an event id was appended under (dedupe)
//	sk "e#<seq>"      one event with its delivery record; while pending it
//	                  carries the sparse "pending" index keys gpk, gsk
const (
	outboxSeqSK      = "seq"
	outboxIDPrefix   = "id#"
	outboxEntry      = "e#"
	outboxPendingIdx = "pending"
	appendAttempts   = 50
)

// TxDB is DB with transactions, which the outbox needs to keep its
// sequence gapless. *dynamodb.Client implements it.
type TxDB interface {
	DB
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Outbox implements outbox.Store on the outbox table. Safe for concurrent
// use.
type Outbox struct {
	db    TxDB
	table string
}

var _ outbox.Store = (*Outbox)(nil)

// NewOutbox returns the feed store on t.Outbox.
func NewOutbox(db TxDB, t Tables) *Outbox { return &Outbox{db: db, table: t.Outbox} }

type outboxRecord struct {
	PK             string `dynamodbav:"pk"`
	SK             string `dynamodbav:"sk"`
	ID             string `dynamodbav:"id"`
	Type           string `dynamodbav:"type"`
	OccurredAt     int64  `dynamodbav:"occurredAt"`
	Sequence       int64  `dynamodbav:"sequence"`
	OrderKey       string `dynamodbav:"orderKey,omitempty"`
	Data           string `dynamodbav:"data"`
	State          string `dynamodbav:"state"`
	Attempts       int    `dynamodbav:"attempts,omitempty"`
	FirstAttemptAt int64  `dynamodbav:"firstAttemptAt,omitempty"`
	NextAttemptAt  int64  `dynamodbav:"nextAttemptAt,omitempty"`
	DeliveredAt    int64  `dynamodbav:"deliveredAt,omitempty"`
	LastError      string `dynamodbav:"lastError,omitempty"`
	ExpiresAt      int64  `dynamodbav:"expiresAt"`
	Version        int64  `dynamodbav:"version"`
	GPK            string `dynamodbav:"gpk,omitempty"`
	GSK            string `dynamodbav:"gsk,omitempty"`
}

func seqKey(seq int64) string { return fmt.Sprintf("%019d", seq) }

func toOutboxRecord(e outbox.Entry, expiresAt int64) outboxRecord {
	r := outboxRecord{
		PK: e.CompanyID, SK: outboxEntry + seqKey(e.Sequence), ID: e.ID, Type: string(e.Type),
		OccurredAt: nanos(e.OccurredAt), Sequence: e.Sequence, OrderKey: e.OrderKey, Data: string(e.Data),
		State: string(e.Delivery.State), Attempts: e.Delivery.Attempts, FirstAttemptAt: nanos(e.Delivery.FirstAttemptAt),
		NextAttemptAt: nanos(e.Delivery.NextAttemptAt), DeliveredAt: nanos(e.Delivery.DeliveredAt),
		LastError: e.Delivery.LastError, ExpiresAt: expiresAt, Version: e.Version,
	}
	if e.Delivery.State == outbox.Pending {
		r.GPK, r.GSK = e.CompanyID, seqKey(e.Sequence)
	}
	return r
}

func decodeOutbox(item map[string]types.AttributeValue) (outbox.Entry, int64, error) {
	var r outboxRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return outbox.Entry{}, 0, apperr.Wrap(apperr.Internal, err, "malformed outbox entry")
	}
	return outbox.Entry{
		Event: outbox.Event{
			ID: r.ID, Type: outbox.Type(r.Type), OccurredAt: fromNanos(r.OccurredAt), CompanyID: r.PK,
			Sequence: r.Sequence, Data: []byte(r.Data), OrderKey: r.OrderKey,
		},
		Delivery: outbox.Delivery{
			State: outbox.DeliveryState(r.State), Attempts: r.Attempts, FirstAttemptAt: fromNanos(r.FirstAttemptAt),
			NextAttemptAt: fromNanos(r.NextAttemptAt), DeliveredAt: fromNanos(r.DeliveredAt), LastError: r.LastError,
		},
		Version: r.Version,
	}, r.ExpiresAt, nil
}

func (o *Outbox) key(companyID, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(companyID), attrSK: avS(sk)}
}

func (o *Outbox) get(ctx context.Context, companyID, sk string) (map[string]types.AttributeValue, error) {
	out, err := o.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(o.table), Key: o.key(companyID, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, storageErr(err, "get outbox %s/%s", companyID, sk)
	}
	return out.Item, nil
}

func (o *Outbox) entry(ctx context.Context, companyID string, seq int64) (outbox.Entry, int64, error) {
	item, err := o.get(ctx, companyID, outboxEntry+seqKey(seq))
	if err != nil {
		return outbox.Entry{}, 0, err
	}
	if item == nil {
		return outbox.Entry{}, 0, apperr.E(apperr.NotFound, "no event %d in the feed of %s", seq, companyID)
	}
	return decodeOutbox(item)
}

// appended returns the entry an id was appended under, or ok false.
func (o *Outbox) appended(ctx context.Context, companyID, id string) (outbox.Entry, bool, error) {
	item, err := o.get(ctx, companyID, outboxIDPrefix+id)
	if err != nil || item == nil {
		return outbox.Entry{}, false, err
	}
	n, err := strconv.ParseInt(getN(item, "n"), 10, 64)
	if err != nil {
		return outbox.Entry{}, false, apperr.Wrap(apperr.Internal, err, "malformed outbox id item")
	}
	e, _, err := o.entry(ctx, companyID, n)
	return e, err == nil, err
}

func getN(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// Append stores ev under the next sequence in one transaction: the id item
// (condition: new), the counter (condition: unchanged since read) and the
// entry. A lost race on the counter is retried; a known id returns the
// stored entry.
func (o *Outbox) Append(ctx context.Context, ev outbox.Event, d outbox.Delivery, expiresAt time.Time) (outbox.Entry, bool, error) {
	if err := requireID("companyId", ev.CompanyID); err != nil {
		return outbox.Entry{}, false, err
	}
	if err := requireID("id", ev.ID); err != nil {
		return outbox.Entry{}, false, err
	}
	exp := ttlSeconds(expiresAt)
	for range appendAttempts {
		if e, ok, err := o.appended(ctx, ev.CompanyID, ev.ID); err != nil || ok {
			return e, false, err
		}
		counter, err := o.get(ctx, ev.CompanyID, outboxSeqSK)
		if err != nil {
			return outbox.Entry{}, false, err
		}
		var last int64
		counterCond := aws.String("attribute_not_exists(pk)")
		vals := map[string]types.AttributeValue{}
		if counter != nil {
			if last, err = strconv.ParseInt(getN(counter, "n"), 10, 64); err != nil {
				return outbox.Entry{}, false, apperr.Wrap(apperr.Internal, err, "malformed outbox counter")
			}
			counterCond = aws.String("n = :last")
			vals[":last"] = avN(last)
		}
		e := outbox.Entry{Event: ev, Delivery: d, Version: 1}
		e.Sequence = last + 1
		item, err := attributevalue.MarshalMap(toOutboxRecord(e, exp))
		if err != nil {
			return outbox.Entry{}, false, apperr.Wrap(apperr.Internal, err, "encode outbox entry")
		}
		counterPut := &types.Put{
			TableName:           aws.String(o.table),
			Item:                map[string]types.AttributeValue{attrPK: avS(ev.CompanyID), attrSK: avS(outboxSeqSK), "n": avN(e.Sequence)},
			ConditionExpression: counterCond,
		}
		if len(vals) > 0 {
			counterPut.ExpressionAttributeValues = vals
		}
		_, err = o.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName: aws.String(o.table),
				Item: map[string]types.AttributeValue{
					attrPK: avS(ev.CompanyID), attrSK: avS(outboxIDPrefix + ev.ID), "n": avN(e.Sequence), attrExpiresAt: avN(exp),
				},
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			}},
			{Put: counterPut},
			{Put: &types.Put{TableName: aws.String(o.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		}})
		if err == nil {
			return e, true, nil
		}
		var tc *types.TransactionCanceledException
		if !errors.As(err, &tc) {
			if codeOf(err) == apperr.Conflict || codeOf(err) == apperr.Transient {
				continue
			}
			return outbox.Entry{}, false, storageErr(err, "append to outbox of %s", ev.CompanyID)
		}
		// Another append won the id or the sequence: look again.
	}
	return outbox.Entry{}, false, apperr.E(apperr.Transient, "outbox of %s: too many concurrent appends", ev.CompanyID)
}

// collect pages through one query (page makes the call, so that the
// call's input names its index where it has one) until limit entries.
func collect(limit int, page func(start map[string]types.AttributeValue, n int32) (*dynamodb.QueryOutput, error)) ([]outbox.Entry, error) {
	var out []outbox.Entry
	var start map[string]types.AttributeValue
	for {
		res, err := page(start, int32(limit-len(out)))
		if err != nil {
			return nil, storageErr(err, "query outbox")
		}
		for _, item := range res.Items {
			e, _, err := decodeOutbox(item)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if len(res.LastEvaluatedKey) == 0 || len(out) >= limit {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// List returns up to limit entries after the sequence after (consistent).
func (o *Outbox) List(ctx context.Context, companyID string, after int64, limit int) ([]outbox.Entry, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultPage
	}
	return collect(limit, func(start map[string]types.AttributeValue, n int32) (*dynamodb.QueryOutput, error) {
		return o.db.Query(ctx, &dynamodb.QueryInput{
			TableName:              aws.String(o.table),
			KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": avS(companyID), ":from": avS(outboxEntry + seqKey(after+1)), ":to": avS(outboxEntry + "9999999999999999999"),
			},
			ConsistentRead: aws.Bool(true), ExclusiveStartKey: start, Limit: aws.Int32(n),
		})
	})
}

// Pending returns up to limit pending entries from the sparse pending
// index (eventually consistent; Modify re-reads before acting).
func (o *Outbox) Pending(ctx context.Context, companyID string, limit int) ([]outbox.Entry, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultPage
	}
	return collect(limit, func(start map[string]types.AttributeValue, n int32) (*dynamodb.QueryOutput, error) {
		return o.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(o.table),
			IndexName:                 aws.String(outboxPendingIdx),
			KeyConditionExpression:    aws.String("gpk = :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": avS(companyID)},
			ExclusiveStartKey:         start, Limit: aws.Int32(n),
		})
	})
}

// PendingCompanies scans the sparse pending index: it holds only
// undelivered events, so the scan is empty (and cheap) when all is
// delivered.
func (o *Outbox) PendingCompanies(ctx context.Context, limit int) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	var start map[string]types.AttributeValue
	for {
		res, err := o.db.Scan(ctx, &dynamodb.ScanInput{
			TableName: aws.String(o.table), IndexName: aws.String(outboxPendingIdx),
			ProjectionExpression: aws.String("gpk"), ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, storageErr(err, "scan pending outbox")
		}
		for _, item := range res.Items {
			if c := getS(item, "gpk"); c != "" && !seen[c] && len(out) < limit {
				seen[c] = true
				out = append(out, c)
			}
		}
		if len(res.LastEvaluatedKey) == 0 || len(out) >= limit {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// Modify is a read-modify-write of the entry under a version condition.
func (o *Outbox) Modify(ctx context.Context, companyID string, seq int64, fn func(*outbox.Entry) error) (outbox.Entry, error) {
	if err := requireID("companyId", companyID); err != nil {
		return outbox.Entry{}, err
	}
	e, exp, err := o.entry(ctx, companyID, seq)
	if err != nil {
		return outbox.Entry{}, err
	}
	stored := e
	if err := fn(&e); err != nil {
		return outbox.Entry{}, err
	}
	next := stored
	next.Delivery = e.Delivery
	next.Version = stored.Version + 1
	item, err := attributevalue.MarshalMap(toOutboxRecord(next, exp))
	if err != nil {
		return outbox.Entry{}, apperr.Wrap(apperr.Internal, err, "encode outbox entry")
	}
	_, err = o.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(o.table), Item: item,
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": avN(stored.Version)},
	})
	if cf, _ := isCondFailed(err); cf {
		return outbox.Entry{}, apperr.Wrap(apperr.Conflict, err, "event %d of %s changed meanwhile", seq, companyID)
	}
	if err != nil {
		return outbox.Entry{}, storageErr(err, "modify outbox %s/%d", companyID, seq)
	}
	return next, nil
}
