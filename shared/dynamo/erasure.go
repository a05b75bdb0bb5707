package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/export"
)

// The erasure port of Exports (shared/erasure): one candidate's markers and
// the company's LinkedIn index entries of a Lever contact.

var _ erasure.Store = (*Exports)(nil)

// CandidateMarkers returns the candidate's export marker (one consistent
// GetItem) and all its activity markers (one consistent query of the
// prefix activity#<candidateId>#; ids never contain '#', so no other
// candidate's markers match).
func (e *Exports) CandidateMarkers(ctx context.Context, companyID, candidateID string) ([]export.Marker, error) {
	k := export.Key{CompanyID: companyID, CandidateID: candidateID}
	if err := validKey(k); err != nil {
		return nil, err
	}
	var ms []export.Marker
	m, found, err := e.get(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("dynamo: markers of %s/%s: %w", companyID, candidateID, err)
	}
	if found {
		ms = append(ms, m)
	}
	items, err := queryAll(ctx, e.db, prefixQuery(e.table, companyID, activityPrefix+candidateID+"#"))
	if err != nil {
		return nil, storageErr(err, "list markers of %s/%s", companyID, candidateID)
	}
	for _, it := range items {
		m, err := decodeMarker(it)
		if err != nil {
			return nil, fmt.Errorf("dynamo: markers of %s/%s: %w", companyID, candidateID, err)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// UpdateMarker is the versioned read-modify-write of marker k
// (updateVersioned: a consistent GetItem, fn, then a PutItem of the whole
// record on the version read, attribute_not_exists(pk) when there was
// none). The byState index keys follow the written state.
func (e *Exports) UpdateMarker(ctx context.Context, k export.Key, fn func(m *export.Marker, found bool) error) (export.Marker, error) {
	if err := validKey(k); err != nil {
		return export.Marker{}, err
	}
	found := false
	return updateVersioned(ctx, e.db, e.table, k.CompanyID+"/"+markerSK(k), versioned[export.Marker]{
		what: "marker",
		read: func(ctx context.Context) (export.Marker, bool, error) {
			m, ok, err := e.get(ctx, k)
			found = ok
			return m, ok, err
		},
		zero: func() export.Marker { return export.Marker{Key: k} },
		ver:  func(m *export.Marker) *int64 { return &m.Version },
		encode: func(m export.Marker) (map[string]types.AttributeValue, error) {
			m.Key = k
			return attributevalue.MarshalMap(toMarkerRecord(m))
		},
	}, func(m *export.Marker) error { return fn(m, found) })
}

// DeleteMarker deletes marker k with one DeleteItem and reports whether it
// existed.
func (e *Exports) DeleteMarker(ctx context.Context, k export.Key) (bool, error) {
	if err := validKey(k); err != nil {
		return false, err
	}
	out, err := e.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(e.table), Key: markerKey(k), ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return false, storageErr(err, "delete marker %s/%s", k.CompanyID, markerSK(k))
	}
	return len(out.Attributes) > 0, nil
}

// ForgetContact queries the company's LinkedIn index entries (consistent,
// filtered on contactId: the read costs the whole index of the company,
// an erasure is rare) and deletes each on the condition that it still
// records contactID.
func (e *Exports) ForgetContact(ctx context.Context, companyID, contactID string) (int, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("contactId", contactID)); err != nil {
		return 0, err
	}
	in := prefixQuery(e.table, companyID, linkedinPrefix)
	in.FilterExpression = aws.String("contactId = :c")
	in.ExpressionAttributeValues[":c"] = avS(contactID)
	items, err := queryAll(ctx, e.db, in)
	if err != nil {
		return 0, storageErr(err, "list linkedin contacts of %s", companyID)
	}
	n := 0
	for _, it := range items {
		_, err := e.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 aws.String(e.table),
			Key:                       map[string]types.AttributeValue{attrPK: it[attrPK], attrSK: it[attrSK]},
			ConditionExpression:       aws.String("contactId = :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": avS(contactID)},
		})
		if cf, _ := isCondFailed(err); cf {
			continue
		}
		if err != nil {
			return n, storageErr(err, "forget linkedin contact of %s", companyID)
		}
		n++
	}
	return n, nil
}
