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
	"github.com/leverlink/leverlink/shared/link"
)

const linkPrefix = "link#"

// Links implements link.Store on the links table (pk = company id, sk =
// link#<positionId>). Safe for concurrent use.
type Links struct {
	db    DB
	table string
	now   func() time.Time
}

var _ link.Store = (*Links)(nil)

// NewLinks returns the link store on t.Links.
func NewLinks(db DB, t Tables) *Links {
	return &Links{db: db, table: t.Links, now: time.Now}
}

type linkRecord struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	PositionID string `dynamodbav:"positionId"`
	PostingID  string `dynamodbav:"postingId"`
	Trigger    string `dynamodbav:"trigger,omitempty"`
	Flag       string `dynamodbav:"flag,omitempty"`
	CreatedAt  int64  `dynamodbav:"createdAt,omitempty"`
	UpdatedAt  int64  `dynamodbav:"updatedAt,omitempty"`
	Version    int64  `dynamodbav:"version"`
}

func decodeLink(item map[string]types.AttributeValue) (link.Link, error) {
	var r linkRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return link.Link{}, apperr.Wrap(apperr.Internal, err, "malformed link item")
	}
	return link.Link{
		CompanyID: r.PK, PositionID: r.PositionID, PostingID: r.PostingID,
		Trigger: link.Trigger(r.Trigger), Flag: link.Flag(r.Flag),
		CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt), Version: r.Version,
	}, nil
}

func linkKey(companyID, positionID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(companyID), attrSK: avS(linkPrefix + positionID)}
}

// Get returns the link of the position, or apperr NotFound.
func (s *Links) Get(ctx context.Context, companyID, positionID string) (link.Link, error) {
	if err := requireID("companyId", companyID); err != nil {
		return link.Link{}, err
	}
	if err := requireID("positionId", positionID); err != nil {
		return link.Link{}, err
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: linkKey(companyID, positionID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return link.Link{}, storageErr(err, "get link %s/%s", companyID, positionID)
	}
	if out.Item == nil {
		return link.Link{}, apperr.E(apperr.NotFound, "position %s is not linked", positionID)
	}
	return decodeLink(out.Item)
}

// Put creates or replaces the link in one write (last writer wins) and
// returns it as stored: Version is the stored one plus one, CreatedAt is
// kept from an existing link (else l.CreatedAt, else l.UpdatedAt, else
// now), UpdatedAt is l.UpdatedAt or now. Trigger and Flag are replaced.
func (s *Links) Put(ctx context.Context, l link.Link) (link.Link, error) {
	if err := requireID("companyId", l.CompanyID); err != nil {
		return link.Link{}, err
	}
	if err := requireID("positionId", l.PositionID); err != nil {
		return link.Link{}, err
	}
	if err := requireID("postingId", l.PostingID); err != nil {
		return link.Link{}, err
	}
	updated := l.UpdatedAt
	if updated.IsZero() {
		updated = s.now()
	}
	created := l.CreatedAt
	if created.IsZero() {
		created = updated
	}
	set := "SET positionId = :pos, postingId = :post, #trigger = :trig, createdAt = if_not_exists(createdAt, :created), " +
		"updatedAt = :updated, version = if_not_exists(version, :zero) + :one"
	vals := map[string]types.AttributeValue{
		":pos": avS(l.PositionID), ":post": avS(l.PostingID), ":trig": avS(string(l.Trigger)),
		":created": avN(nanos(created)), ":updated": avN(nanos(updated)), ":zero": avN(0), ":one": avN(1),
	}
	names := map[string]string{"#trigger": "trigger", "#flag": "flag"}
	expr := set + " REMOVE #flag"
	if l.Flag != link.FlagNone {
		expr = set + ", #flag = :flag"
		vals[":flag"] = avS(string(l.Flag))
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: linkKey(l.CompanyID, l.PositionID),
		UpdateExpression: aws.String(expr), ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return link.Link{}, storageErr(err, "put link %s/%s", l.CompanyID, l.PositionID)
	}
	return decodeLink(out.Attributes)
}

// Delete removes the link; deleting a missing link is not an error.
func (s *Links) Delete(ctx context.Context, companyID, positionID string) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	if err := requireID("positionId", positionID); err != nil {
		return err
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: linkKey(companyID, positionID)})
	return storageErr(err, "delete link %s/%s", companyID, positionID)
}

// DeleteAll removes every link of the company (batched deletes) and returns
// how many links it found to remove. Cached postings are kept.
func (s *Links) DeleteAll(ctx context.Context, companyID string) (int, error) {
	if err := requireID("companyId", companyID); err != nil {
		return 0, err
	}
	in := prefixQuery(s.table, companyID, linkPrefix)
	in.ProjectionExpression = aws.String("pk, sk")
	items, err := queryAll(ctx, s.db, in)
	if err != nil {
		return 0, storageErr(err, "delete links of %s", companyID)
	}
	reqs := make([]types.WriteRequest, 0, len(items))
	for _, it := range items {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: it}})
	}
	if err := batchWrite(ctx, s.db, s.table, reqs); err != nil {
		return 0, fmt.Errorf("dynamo: delete links of %s: %w", companyID, err)
	}
	return len(items), nil
}

// List returns the company's links ordered by position id (empty when none).
func (s *Links) List(ctx context.Context, companyID string) ([]link.Link, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, err
	}
	items, err := queryAll(ctx, s.db, prefixQuery(s.table, companyID, linkPrefix))
	if err != nil {
		return nil, storageErr(err, "list links of %s", companyID)
	}
	links := make([]link.Link, 0, len(items))
	for _, it := range items {
		l, err := decodeLink(it)
		if err != nil {
			return nil, fmt.Errorf("dynamo: list links of %s: %w", companyID, err)
		}
		links = append(links, l)
	}
	return links, nil
}

// SetFlags sets the flag of each link whose posting id is a key of flags and
// clears it for the company's other links, writing only the links whose flag
// changes (each write advances Version and is conditional on the link still
// pointing to the posting it was read with, so a concurrent re-link is not
// flagged by mistake). It returns how many links it changed.
func (s *Links) SetFlags(ctx context.Context, companyID string, flags map[string]link.Flag) (int, error) {
	links, err := s.List(ctx, companyID)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, l := range links {
		want := flags[l.PostingID]
		if want == l.Flag {
			continue
		}
		expr := "SET version = version + :one REMOVE #flag"
		vals := map[string]types.AttributeValue{":one": avN(1), ":post": avS(l.PostingID)}
		if want != link.FlagNone {
			expr = "SET version = version + :one, #flag = :flag"
			vals[":flag"] = avS(string(want))
		}
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: linkKey(companyID, l.PositionID),
			UpdateExpression:          aws.String(expr),
			ConditionExpression:       aws.String("postingId = :post"),
			ExpressionAttributeNames:  map[string]string{"#flag": "flag"},
			ExpressionAttributeValues: vals,
		})
		if cf, _ := isCondFailed(err); cf {
			continue // deleted or re-linked meanwhile: not ours to flag
		}
		if err != nil {
			return changed, storageErr(err, "set flag of link %s/%s", companyID, l.PositionID)
		}
		changed++
	}
	return changed, nil
}
