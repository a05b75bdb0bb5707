package dynamo

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/outbox"
)

// StreamChange turns one DynamoDB stream record of the connections, links
// or exports table into an outbox.Change of domain values, decoded as the
// stores decode their items. It reports false for items that are none of
// connection, link, cached posting, export marker, activity marker or an
// exported opportunity's Lever state (company settings, the sync record,
// the postings meta item, buckets, contact index, ...). Malformed images
// are apperr Internal.
func StreamChange(rec events.DynamoDBEventRecord) (outbox.Change, bool, error) {
	oldItem, err := fromStreamImage(rec.Change.OldImage)
	if err != nil {
		return outbox.Change{}, false, err
	}
	newItem, err := fromStreamImage(rec.Change.NewImage)
	if err != nil {
		return outbox.Change{}, false, err
	}
	keys := newItem
	if keys == nil {
		keys = oldItem
	}
	c := outbox.Change{At: rec.Change.ApproximateCreationDateTime.UTC()}
	if c.At.IsZero() || c.At.Unix() == 0 {
		c.At = time.Now().UTC()
	}
	sk := getS(keys, attrSK)
	_, hasSK := keys[attrSK]
	switch {
	case !hasSK && strings.HasPrefix(getS(keys, attrPK), settingsPrefix):
		// A company's settings share the connections table; they are not a
		// connection and announce nothing.
		return c, false, nil
	case !hasSK && getS(keys, attrPK) != "":
		if oldItem != nil {
			o, err := decodeConn(oldItem)
			if err != nil {
				return c, false, err
			}
			c.OldConn = &o
		}
		if newItem != nil {
			n, err := decodeConn(newItem)
			if err != nil {
				return c, false, err
			}
			c.NewConn = &n
		}
	case strings.HasPrefix(sk, linkPrefix):
		if oldItem != nil {
			o, err := decodeLink(oldItem)
			if err != nil {
				return c, false, err
			}
			c.OldLink = &o
		}
		if newItem != nil {
			n, err := decodeLink(newItem)
			if err != nil {
				return c, false, err
			}
			c.NewLink = &n
		}
	case strings.HasPrefix(sk, postingPrefix):
		c.PostingCompanyID = getS(keys, attrPK)
		if oldItem != nil {
			o, err := decodePosting(oldItem)
			if err != nil {
				return c, false, err
			}
			c.OldPosting = &o
		}
		if newItem != nil {
			n, err := decodePosting(newItem)
			if err != nil {
				return c, false, err
			}
			c.NewPosting = &n
		}
	case strings.HasPrefix(sk, leverStatePrefix):
		if oldItem != nil {
			o, err := decodeLeverState(oldItem)
			if err != nil {
				return c, false, err
			}
			c.OldLever = &o
		}
		if newItem != nil {
			n, err := decodeLeverState(newItem)
			if err != nil {
				return c, false, err
			}
			c.NewLever = &n
		}
	case strings.HasPrefix(sk, exportPrefix) || strings.HasPrefix(sk, activityPrefix):
		if oldItem != nil {
			o, err := decodeMarker(oldItem)
			if err != nil {
				return c, false, err
			}
			c.OldMarker = &o
		}
		if newItem != nil {
			n, err := decodeMarker(newItem)
			if err != nil {
				return c, false, err
			}
			c.NewMarker = &n
		}
	default:
		return c, false, nil
	}
	return c, true, nil
}

// fromStreamImage converts a stream image (Lambda's event types) to the
// SDK's attribute values; nil for an absent image.
func fromStreamImage(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	if len(img) == 0 {
		return nil, nil
	}
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		av, err := fromStreamValue(v)
		if err != nil {
			return nil, apperr.Wrap(apperr.Internal, err, "stream image attribute %s", k)
		}
		out[k] = av
	}
	return out, nil
}

func fromStreamValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			av, err := fromStreamValue(e)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case events.DataTypeMap:
		m, err := fromStreamImage(v.Map())
		if err != nil {
			return nil, err
		}
		if m == nil {
			m = map[string]types.AttributeValue{}
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %d", v.DataType())
}

// StreamKeyPrefixes are, per table logical id, the sort-key prefixes of the
// items StreamChange decodes: the dispatcher's stream filters must let
// exactly these through (infra/templatecheck checks template.yaml).
var StreamKeyPrefixes = map[string][]string{
	exportsTableID: {exportPrefix, activityPrefix, leverStatePrefix},
	linksTableID:   {linkPrefix, postingPrefix},
}
