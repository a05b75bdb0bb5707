package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/posting"
)

const (
	postingPrefix = "posting#"
	metaSK        = "meta" // refreshedAt and the refresh lease of a company
)

// Postings implements posting.Store and posting.RefreshLease on the links
// table: one item per cached posting (sk = posting#<id>) and one meta item
// (sk = meta) holding refreshedAt and the refresh lease. Safe for concurrent
// use.
type Postings struct {
	db    DB
	table string
}

var (
	_ posting.Store        = (*Postings)(nil)
	_ posting.RefreshLease = (*Postings)(nil)
)

// NewPostings returns the postings cache and refresh lease on t.Links.
func NewPostings(db DB, t Tables) *Postings {
	return &Postings{db: db, table: t.Links}
}

type postingRecord struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	ID           string `dynamodbav:"id"`
	Text         string `dynamodbav:"text,omitempty"`
	State        string `dynamodbav:"state,omitempty"`
	Confidential bool   `dynamodbav:"confidential,omitempty"`
	Team         string `dynamodbav:"team,omitempty"`
	Department   string `dynamodbav:"department,omitempty"`
	Location     string `dynamodbav:"location,omitempty"`
	Commitment   string `dynamodbav:"commitment,omitempty"`
	URL          string `dynamodbav:"url,omitempty"`
	UpdatedAt    int64  `dynamodbav:"updatedAt,omitempty"`

	// The full posting (issue #15). Content stays in the item up to
	// posting.MaxInlineContent; the refresher decides (see posting).
	CreatedAt             int64                `dynamodbav:"createdAt,omitempty"`
	DistributionChannels  []string             `dynamodbav:"distributionChannels,omitempty"`
	AllLocations          []string             `dynamodbav:"allLocations,omitempty"`
	Level                 string               `dynamodbav:"level,omitempty"`
	WorkplaceType         string               `dynamodbav:"workplaceType,omitempty"`
	Country               string               `dynamodbav:"country,omitempty"`
	Tags                  []string             `dynamodbav:"tags,omitempty"`
	URLs                  *posting.URLs        `dynamodbav:"urls,omitempty"`
	SalaryRange           *posting.SalaryRange `dynamodbav:"salaryRange,omitempty"`
	SalaryDescription     string               `dynamodbav:"salaryDescription,omitempty"`
	SalaryDescriptionHTML string               `dynamodbav:"salaryDescriptionHtml,omitempty"`
	// Content is kept as its JSON (one string attribute: the size the
	// refresher measures against posting.MaxInlineContent, and cheaper to
	// write than a nested map); Sums as "group=digest" pairs joined by ",".
	ContentJSON    string `dynamodbav:"contentJson,omitempty"`
	ContentOmitted string `dynamodbav:"contentOmitted,omitempty"`
	ContentStored  bool   `dynamodbav:"contentStored,omitempty"`
	Sums           string `dynamodbav:"sums,omitempty"`
	Announced      bool   `dynamodbav:"announced,omitempty"`
	// The last change announced (posting.Stamp): a write with a new one
	// is what the dispatcher turns into a posting.* event.
	LastChangeID     string   `dynamodbav:"lastChangeId,omitempty"`
	LastChangeType   string   `dynamodbav:"lastChangeType,omitempty"`
	LastChangeFields []string `dynamodbav:"lastChangeFields,omitempty"`
}

func encodeSums(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

func decodeSums(s string) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

// decodePosting decodes a posting item (a stream image) as Get does.
func decodePosting(item map[string]types.AttributeValue) (posting.Posting, error) {
	var r postingRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return posting.Posting{}, apperr.Wrap(apperr.Internal, err, "dynamo: malformed posting item")
	}
	return r.posting()
}

func (r postingRecord) posting() (posting.Posting, error) {
	var content *posting.Content
	if r.ContentJSON != "" {
		content = &posting.Content{}
		if err := json.Unmarshal([]byte(r.ContentJSON), content); err != nil {
			return posting.Posting{}, apperr.Wrap(apperr.Internal, err, "dynamo: malformed content of posting %s", r.ID)
		}
	}
	return posting.Posting{
		ID: r.ID, Text: r.Text, State: r.State, Confidential: r.Confidential, Team: r.Team,
		Department: r.Department, Location: r.Location, Commitment: r.Commitment, URL: r.URL,
		UpdatedAt: fromNanos(r.UpdatedAt), CreatedAt: fromNanos(r.CreatedAt),
		DistributionChannels: r.DistributionChannels, AllLocations: r.AllLocations, Level: r.Level,
		WorkplaceType: r.WorkplaceType, Country: r.Country, Tags: r.Tags, URLs: r.URLs,
		SalaryRange: r.SalaryRange, SalaryDescription: r.SalaryDescription,
		SalaryDescriptionHTML: r.SalaryDescriptionHTML, Content: content,
		ContentOmitted: r.ContentOmitted, ContentStored: r.ContentStored, Sums: decodeSums(r.Sums), Announced: r.Announced,
		Last: posting.Stamp{ID: r.LastChangeID, Type: posting.ChangeType(r.LastChangeType), Fields: r.LastChangeFields},
	}, nil
}

func recordOf(companyID string, ps posting.Posting) (postingRecord, error) {
	var content string
	if ps.Content != nil {
		b, err := json.Marshal(ps.Content)
		if err != nil {
			return postingRecord{}, apperr.Wrap(apperr.Internal, err, "dynamo: encode content of posting %s", ps.ID)
		}
		content = string(b)
	}
	return postingRecord{
		PK: companyID, SK: postingPrefix + ps.ID, ID: ps.ID, Text: ps.Text, State: ps.State,
		Confidential: ps.Confidential, Team: ps.Team, Department: ps.Department, Location: ps.Location,
		Commitment: ps.Commitment, URL: ps.URL, UpdatedAt: nanos(ps.UpdatedAt), CreatedAt: nanos(ps.CreatedAt),
		DistributionChannels: ps.DistributionChannels, AllLocations: ps.AllLocations, Level: ps.Level,
		WorkplaceType: ps.WorkplaceType, Country: ps.Country, Tags: ps.Tags, URLs: ps.URLs,
		SalaryRange: ps.SalaryRange, SalaryDescription: ps.SalaryDescription,
		SalaryDescriptionHTML: ps.SalaryDescriptionHTML, ContentJSON: content,
		ContentOmitted: ps.ContentOmitted, ContentStored: ps.ContentStored, Sums: encodeSums(ps.Sums), Announced: ps.Announced,
		LastChangeID: ps.Last.ID, LastChangeType: string(ps.Last.Type), LastChangeFields: ps.Last.Fields,
	}, nil
}

func postingKey(companyID, postingID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(companyID), attrSK: avS(postingPrefix + postingID)}
}

func metaKey(companyID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(companyID), attrSK: avS(metaSK)}
}

// List returns the company's cached postings ordered by id and when they
// were last refreshed (zero when never); an unknown company has an empty
// cache, not an error.
func (p *Postings) List(ctx context.Context, companyID string) (posting.Cache, error) {
	var c posting.Cache
	var err error
	if c.RefreshedAt, err = p.RefreshedAt(ctx, companyID); err != nil {
		return posting.Cache{}, err
	}
	items, err := queryAll(ctx, p.db, prefixQuery(p.table, companyID, postingPrefix))
	if err != nil {
		return posting.Cache{}, storageErr(err, "list postings of %s", companyID)
	}
	var recs []postingRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &recs); err != nil {
		return posting.Cache{}, apperr.Wrap(apperr.Internal, err, "dynamo: malformed posting of %s", companyID)
	}
	c.Postings = make([]posting.Posting, 0, len(recs))
	for _, r := range recs {
		p, err := r.posting()
		if err != nil {
			return posting.Cache{}, err
		}
		c.Postings = append(c.Postings, p)
	}
	return c, nil
}

// RefreshedAt returns when the company's postings were last refreshed (the
// zero time when never), with one consistent read of the meta item.
func (p *Postings) RefreshedAt(ctx context.Context, companyID string) (time.Time, error) {
	if err := requireID("companyId", companyID); err != nil {
		return time.Time{}, err
	}
	meta, err := p.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(p.table), Key: metaKey(companyID), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("refreshedAt"),
	})
	if err != nil {
		return time.Time{}, storageErr(err, "read refreshedAt of %s", companyID)
	}
	v, ok := meta.Item["refreshedAt"]
	if !ok {
		return time.Time{}, nil
	}
	var ns int64
	if err := attributevalue.Unmarshal(v, &ns); err != nil {
		return time.Time{}, apperr.Wrap(apperr.Internal, err, "dynamo: malformed refreshedAt of %s", companyID)
	}
	return fromNanos(ns), nil
}

// Get returns one cached posting, or apperr NotFound.
func (p *Postings) Get(ctx context.Context, companyID, postingID string) (posting.Posting, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("postingId", postingID)); err != nil {
		return posting.Posting{}, err
	}
	out, err := p.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(p.table), Key: postingKey(companyID, postingID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return posting.Posting{}, storageErr(err, "get posting %s/%s", companyID, postingID)
	}
	if out.Item == nil {
		return posting.Posting{}, apperr.E(apperr.NotFound, "posting %s is not known", postingID)
	}
	var r postingRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return posting.Posting{}, apperr.Wrap(apperr.Internal, err, "dynamo: malformed posting %s/%s", companyID, postingID)
	}
	return r.posting()
}

// Apply writes put and deletes del in batches of 25 requests, then records
// refreshedAt (when not zero) on the meta item, leaving the lease alone. It
// does not compare with what is stored. An id both put and deleted, or an
// empty id, is apperr Invalid; when put names one id twice the last wins.
// Apply is not atomic: after an error, part of it may be written, and
// repeating the call is safe.
func (p *Postings) Apply(ctx context.Context, companyID string, put []posting.Posting, del []string, refreshedAt time.Time) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	byID := make(map[string]int, len(put))
	for i, ps := range put {
		if ps.ID == "" {
			return apperr.InvalidField(fmt.Sprintf("put[%d].id", i), "posting id is required")
		}
		byID[ps.ID] = i
	}
	reqs := make([]types.WriteRequest, 0, len(put)+len(del))
	seenDel := make(map[string]bool, len(del))
	for i, id := range del {
		if id == "" {
			return apperr.InvalidField(fmt.Sprintf("del[%d]", i), "posting id is required")
		}
		if _, both := byID[id]; both {
			return apperr.InvalidField(fmt.Sprintf("del[%d]", i), "posting %s is both put and deleted", id)
		}
		if !seenDel[id] {
			seenDel[id] = true
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: postingKey(companyID, id)}})
		}
	}
	for i, ps := range put {
		if byID[ps.ID] != i {
			continue // a later entry for the same id wins
		}
		rec, err := recordOf(companyID, ps)
		if err != nil {
			return err
		}
		item, err := attributevalue.MarshalMap(rec)
		if err != nil {
			return apperr.Wrap(apperr.Internal, err, "dynamo: encode posting %s", ps.ID)
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	if err := batchWrite(ctx, p.db, p.table, reqs); err != nil {
		return fmt.Errorf("dynamo: apply postings of %s: %w", companyID, err)
	}
	if refreshedAt.IsZero() {
		return nil
	}
	_, err := p.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(p.table), Key: metaKey(companyID),
		UpdateExpression:          aws.String("SET refreshedAt = :r"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": avN(nanos(refreshedAt))},
	})
	return storageErr(err, "record refresh of %s", companyID)
}

// AcquireRefresh takes the company's refresh lease for owner until now+ttl
// with one conditional write. It succeeds when the lease is free, expired at
// now, or already held by owner (then it is extended), and returns apperr
// Conflict when another owner holds an unexpired one.
func (p *Postings) AcquireRefresh(ctx context.Context, companyID, owner string, now time.Time, ttl time.Duration) error {
	if err := errors.Join(requireID("companyId", companyID), requireID("owner", owner)); err != nil {
		return err
	}
	_, err := p.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(p.table), Key: metaKey(companyID),
		UpdateExpression:    aws.String("SET leaseOwner = :o, leaseUntil = :u"),
		ConditionExpression: aws.String("attribute_not_exists(leaseOwner) OR leaseOwner = :o OR leaseUntil <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":o": avS(owner), ":u": avN(nanos(now.Add(ttl))), ":now": avN(now.UnixNano()),
		},
	})
	if cf, _ := isCondFailed(err); cf {
		return fmt.Errorf("dynamo: acquire refresh lease %s: %w", companyID,
			apperr.Wrap(apperr.Conflict, err, "a postings refresh is already running").WithReason("lease_held"))
	}
	return storageErr(err, "acquire refresh lease %s", companyID)
}

// ReleaseRefresh frees the company's refresh lease if owner still holds it;
// it is not an error when owner does not (expired and taken over, or never
// held).
func (p *Postings) ReleaseRefresh(ctx context.Context, companyID, owner string) error {
	if err := errors.Join(requireID("companyId", companyID), requireID("owner", owner)); err != nil {
		return err
	}
	_, err := p.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(p.table), Key: metaKey(companyID),
		UpdateExpression:          aws.String("REMOVE leaseOwner, leaseUntil"),
		ConditionExpression:       aws.String("leaseOwner = :o"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": avS(owner)},
	})
	if cf, _ := isCondFailed(err); cf {
		return nil
	}
	return storageErr(err, "release refresh lease %s", companyID)
}
