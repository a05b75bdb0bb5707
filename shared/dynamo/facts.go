package dynamo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// Facts implements export.FactsReader: a company's connection, one
// position's link and one candidate's export marker in one BatchGetItem
// over the connections, links and exports tables (strongly consistent,
// unprocessed keys resubmitted). It decodes each item as Connections.Get,
// Links.Get and Exports.Get do: tokens stay sealed. Safe for concurrent use.
type Facts struct {
	db                           DB
	connections, links, exported string
}

var _ export.FactsReader = (*Facts)(nil)

// NewFacts returns the reader on t.Connections, t.Links and t.Exports.
func NewFacts(db DB, t Tables) *Facts {
	return &Facts{db: db, connections: t.Connections, links: t.Links, exported: t.Exports}
}

// batchGetAttempts bounds the resubmissions of unprocessed keys.
const batchGetAttempts = 10

// Facts reads q in one request (more only when DynamoDB leaves keys
// unprocessed). See export.FactsReader for the contract.
func (s *Facts) Facts(ctx context.Context, q export.FactsQuery) (export.Facts, error) {
	if err := requireID("companyId", q.CompanyID); err != nil {
		return export.Facts{}, err
	}
	pending := map[string]types.KeysAndAttributes{}
	add := func(table string, key map[string]types.AttributeValue) {
		ka := pending[table]
		ka.Keys, ka.ConsistentRead = append(ka.Keys, key), aws.Bool(true)
		pending[table] = ka
	}
	add(s.connections, map[string]types.AttributeValue{attrPK: avS(q.CompanyID)})
	if q.PositionID != "" {
		add(s.links, linkKey(q.CompanyID, q.PositionID))
	}
	if q.CandidateID != "" {
		add(s.exported, markerKey(export.Key{CompanyID: q.CompanyID, CandidateID: q.CandidateID}))
	}
	f := export.Facts{}
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			if attempt > batchGetAttempts {
				return export.Facts{}, fmt.Errorf("dynamo: read facts of %s: %w", q.CompanyID,
					apperr.E(apperr.Transient, "unprocessed keys after %d attempts", attempt-1))
			}
			if err := backoff(ctx, attempt*4); err != nil {
				return export.Facts{}, err
			}
		}
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return export.Facts{}, storageErr(err, "read facts of %s", q.CompanyID)
		}
		for table, items := range out.Responses {
			for _, item := range items {
				if err := s.decode(table, item, &f); err != nil {
					return export.Facts{}, fmt.Errorf("dynamo: read facts of %s: %w", q.CompanyID, err)
				}
			}
		}
		pending = out.UnprocessedKeys
	}
	if !f.ConnFound {
		f.Conn.CompanyID = q.CompanyID
	}
	return f, nil
}

// decode puts one returned item where it belongs: by its sort key (links
// and markers), else by its table (the connection, which has none).
func (s *Facts) decode(table string, item map[string]types.AttributeValue, f *export.Facts) error {
	var err error
	switch sk := getS(item, attrSK); {
	case strings.HasPrefix(sk, linkPrefix):
		f.Link, err = decodeLink(item)
		f.LinkFound = err == nil
	case strings.HasPrefix(sk, exportPrefix):
		f.Marker, err = decodeMarker(item)
		f.MarkerFound = err == nil
	case sk == "" && table == s.connections:
		f.Conn, err = decodeConn(item)
		f.ConnFound = err == nil
	}
	return err
}
