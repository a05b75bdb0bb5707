package dynamo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// The queued state and the activity listings of Exports (tool issue 20):
// export.Store.Queue and export.ActivityStore.

var _ export.ActivityStore = (*Exports)(nil)

// Queue records state queued (and positionID when not empty) with one
// conditional write when there is no marker or its state is queued, failed
// or skipped with no claim; it keeps reason and lastError and reports
// whether it wrote. An exported or exporting marker is left alone (false,
// nil) and returned, as the refused write answered it (or read when the
// answer did not carry it). A non-empty eventID is set as lastEventId in
// the same write, on the further condition that the marker does not carry
// it already; when it does, Queue returns apperr Conflict (Reason replay)
// with the stored marker, whatever its state.
func (e *Exports) Queue(ctx context.Context, k export.Key, now time.Time, positionID, eventID string) (export.Marker, bool, error) {
	if err := validKey(k); err != nil {
		return export.Marker{}, false, err
	}
	state, claim, last := expression.Name("state"), expression.Name("claimId"), expression.Name("lastEventId")
	u := expression.Set(state, expression.Value(export.Queued)).
		Set(expression.Name("updatedAt"), expression.Value(now.UnixNano())).
		Set(expression.Name("version"), incr("version")).
		Set(expression.Name("candidateId"), expression.Value(k.CandidateID))
	if k.ActivityID != "" {
		u = u.Set(expression.Name("activityId"), expression.Value(k.ActivityID))
	}
	if positionID != "" {
		u = u.Set(expression.Name("positionId"), expression.Value(positionID))
	}
	u = setIndex(u, k, export.Queued, now)
	c := expression.Or(
		expression.Name(attrPK).AttributeNotExists(),
		expression.And(
			state.In(expression.Value(export.Queued), expression.Value(export.Failed), expression.Value(export.Skipped)),
			expression.Or(claim.AttributeNotExists(), claim.Equal(expression.Value(""))),
		),
	)
	if eventID != "" {
		u = u.Set(last, expression.Value(eventID))
		c = expression.And(c, expression.Or(last.AttributeNotExists(), last.NotEqual(expression.Value(eventID))))
	}
	m, old, err := e.update(ctx, k, u, c)
	if cf, _ := isCondFailed(err); cf {
		var stored export.Marker
		var derr error
		if old != nil {
			stored, derr = decodeMarker(old)
		} else {
			stored, _, derr = e.get(ctx, k)
		}
		if derr != nil {
			return export.Marker{}, false, fmt.Errorf("dynamo: queue %s/%s: %w", k.CompanyID, markerSK(k), derr)
		}
		if eventID != "" && stored.LastEventID == eventID {
			return stored, false, fmt.Errorf("dynamo: queue %s/%s: %w", k.CompanyID, markerSK(k),
				apperr.Wrap(apperr.Conflict, err, "event %s already queued", eventID).WithReason("replay"))
		}
		return stored, false, nil
	}
	if err != nil {
		return export.Marker{}, false, storageErr(err, "queue %s/%s", k.CompanyID, markerSK(k))
	}
	return m, true, nil
}

// ForgetEvent removes lastEventId when it is eventID, in one conditional
// write (version advances); when the marker carries another id or none,
// nothing is written and it returns nil.
func (e *Exports) ForgetEvent(ctx context.Context, k export.Key, eventID string) error {
	if err := validKey(k); err != nil {
		return err
	}
	if err := requireID("eventId", eventID); err != nil {
		return err
	}
	u := expression.Remove(expression.Name("lastEventId")).Set(expression.Name("version"), incr("version"))
	_, _, err := e.update(ctx, k, u, expression.Name("lastEventId").Equal(expression.Value(eventID)))
	if cf, _ := isCondFailed(err); cf {
		return nil
	}
	return storageErr(err, "forget event %s/%s", k.CompanyID, markerSK(k))
}

// ListActivities pages through the company's activity markers in state
// (queued, failed or skipped; others are apperr Invalid naming state), most
// recently updated first, at most limit per page (100 when limit <= 0), via
// the byState index (eventually consistent on AWS). The cursor is opaque; a
// malformed one, or one from another listing, is apperr Invalid.
func (e *Exports) ListActivities(ctx context.Context, companyID string, state export.State, cursor string, limit int) ([]export.Marker, string, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, "", err
	}
	if !activityIndexed(state) {
		return nil, "", apperr.InvalidField("state", "activities are listed queued, failed or skipped, not %q", state)
	}
	if limit <= 0 {
		limit = defaultPage
	}
	return e.listByState(ctx, activityGSIPK(companyID, state), "activities", companyID, state, cursor, limit)
}

// CandidateActivities returns up to limit (20 when limit <= 0) of the
// candidate's activity markers that are queued, failed or skipped, most
// recently updated first: one strongly consistent query of the candidate's
// activity items, filtered by state.
func (e *Exports) CandidateActivities(ctx context.Context, companyID, candidateID string, limit int) ([]export.Marker, error) {
	if err := validKey(export.Key{CompanyID: companyID, CandidateID: candidateID}); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 20
	}
	var ms []export.Marker
	var start map[string]types.AttributeValue
	for {
		out, err := e.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                aws.String(e.table),
			KeyConditionExpression:   aws.String("pk = :p AND begins_with(sk, :s)"),
			FilterExpression:         aws.String("#st IN (:q, :f, :k)"),
			ExpressionAttributeNames: map[string]string{"#st": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":p": avS(companyID), ":s": avS(activityPrefix + candidateID + "#"),
				":q": avS(string(export.Queued)), ":f": avS(string(export.Failed)), ":k": avS(string(export.Skipped)),
			},
			ConsistentRead:    aws.Bool(true),
			ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, storageErr(err, "list activities of %s/%s", companyID, candidateID)
		}
		for _, it := range out.Items {
			m, err := decodeMarker(it)
			if err != nil {
				return nil, fmt.Errorf("dynamo: list activities of %s/%s: %w", companyID, candidateID, err)
			}
			ms = append(ms, m)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].UpdatedAt.After(ms[j].UpdatedAt) })
	if len(ms) > limit {
		ms = ms[:limit]
	}
	return ms, nil
}
