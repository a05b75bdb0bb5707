package dynamo

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Key and attribute names shared by all tables.
const (
	attrPK        = "pk"
	attrSK        = "sk"
	attrExpiresAt = "expiresAt" // the TTL attribute: epoch seconds
	attrUntil     = "until"     // exact expiry of temporary items: Unix nanoseconds
)

// defaultPage is the page size used when a caller passes limit <= 0.
const defaultPage = 100

func avS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func avN(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func avF(v float64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatFloat(v, 'g', -1, 64)}
}

// nanos turns a time into the stored form (0 for the zero time).
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos; times come back in UTC.
func fromNanos(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

// ttlSeconds is the TTL attribute value for an item that expires at t:
// rounded up, so that DynamoDB never deletes an item before it expired.
func ttlSeconds(t time.Time) int64 {
	return int64(math.Ceil(float64(t.UnixNano()) / 1e9))
}

// sortableTime formats t (UTC, fixed nine-digit fraction) so that the
// strings sort like the times: an RFC 3339 timestamp usable as a sort key.
func sortableTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
}

func getS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// encodeCursor turns a LastEvaluatedKey made of string attributes into an
// opaque cursor ("" for nil: the end).
func encodeCursor(key map[string]types.AttributeValue) (string, error) {
	if len(key) == 0 {
		return "", nil
	}
	m := make(map[string]string, len(key))
	for k, v := range key {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", apperr.E(apperr.Internal, "dynamo: cursor key %s is not a string", k)
		}
		m[k] = sv.Value
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("dynamo: encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeCursor is the inverse of encodeCursor; nil for "". A malformed
// cursor is apperr Invalid.
func decodeCursor(c string) (map[string]types.AttributeValue, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var m map[string]string
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || len(m) == 0 {
		return nil, apperr.InvalidField("cursor", "malformed cursor")
	}
	key := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		key[k] = avS(v)
	}
	return key, nil
}
