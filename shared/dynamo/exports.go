package dynamo

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// confirmAttempts bounds the optimistic retries of Exports.Confirm.
const confirmAttempts = 3

// Exports implements export.Store and export.ContactIndex on the exports
// table. Candidate export markers (sk export#<candidateId>) are indexed by
// state in the byState GSI; activity markers (sk
// activity#<candidateId>#<activityId>) are not. Safe for concurrent use.
type Exports struct {
	db    DB
	table string

	// claimed remembers the marker each successful Claim of this instance
	// wrote (claimKey → export.Marker), so that the Confirm of that claim
	// starts from it instead of reading the marker again: its put is
	// conditional on the claim and the version, so a marker changed in
	// between fails the condition and Confirm reads it as usual. Bounded
	// by maxClaimed entries; Confirm, Release and Finish drop theirs.
	claimed  sync.Map
	nClaimed atomic.Int64
}

// maxClaimed bounds Exports.claimed (claims abandoned by a crash between
// Claim and Confirm are never dropped otherwise).
const maxClaimed = 4096

func claimKey(k export.Key, claimID string) string {
	return k.CompanyID + "\x00" + k.CandidateID + "\x00" + k.ActivityID + "\x00" + claimID
}

// remember records the marker a Claim wrote (see Exports.claimed).
func (e *Exports) remember(m export.Marker) {
	if e.nClaimed.Load() >= maxClaimed {
		return
	}
	if _, loaded := e.claimed.LoadOrStore(claimKey(m.Key, m.ClaimID), m); !loaded {
		e.nClaimed.Add(1)
	}
}

// recall returns and forgets the marker remembered for claimID's claim of k.
func (e *Exports) recall(k export.Key, claimID string) (export.Marker, bool) {
	v, ok := e.claimed.LoadAndDelete(claimKey(k, claimID))
	if !ok {
		return export.Marker{}, false
	}
	e.nClaimed.Add(-1)
	return v.(export.Marker), true
}

var (
	_ export.Store        = (*Exports)(nil)
	_ export.ContactIndex = (*Exports)(nil)
)

// NewExports returns the marker store and contact index on t.Exports.
func NewExports(db DB, t Tables) *Exports {
	return &Exports{db: db, table: t.Exports}
}

// update runs one conditional UpdateItem on the marker k and returns the
// marker as written; on a failed condition it returns the stored marker (if
// any) and the SDK error.
func (e *Exports) update(ctx context.Context, k export.Key, u expression.UpdateBuilder, c expression.ConditionBuilder) (export.Marker, map[string]types.AttributeValue, error) {
	ex, err := expression.NewBuilder().WithUpdate(u).WithCondition(c).Build()
	if err != nil {
		return export.Marker{}, nil, apperr.Wrap(apperr.Internal, err, "build expression")
	}
	out, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: markerKey(k),
		UpdateExpression: ex.Update(), ConditionExpression: ex.Condition(),
		ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		_, old := isCondFailed(err)
		return export.Marker{}, old, err
	}
	m, err := decodeMarker(out.Attributes)
	return m, nil, err
}

// Get returns the marker, or apperr NotFound.
func (e *Exports) Get(ctx context.Context, k export.Key) (export.Marker, error) {
	m, found, err := e.get(ctx, k)
	if err != nil {
		return export.Marker{}, fmt.Errorf("dynamo: get export %s/%s: %w", k.CompanyID, k.CandidateID, err)
	}
	if !found {
		return export.Marker{}, apperr.E(apperr.NotFound, "no export marker for candidate %s", k.CandidateID)
	}
	return m, nil
}

func (e *Exports) get(ctx context.Context, k export.Key) (export.Marker, bool, error) {
	if err := validKey(k); err != nil {
		return export.Marker{}, false, err
	}
	out, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(e.table), Key: markerKey(k), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return export.Marker{}, false, storageErr(err, "read marker")
	}
	if out.Item == nil {
		return export.Marker{}, false, nil
	}
	m, err := decodeMarker(out.Item)
	return m, err == nil, err
}

// Claim takes the marker for claimID at now with one conditional write,
// which succeeds when there is no marker, its state is queued, failed or
// skipped, it is exporting with no holder, or its holder claimed it before
// now-staleAfter; it sets state exporting, the claim, Attempts+1, clears
// Reason and returns the marker as stored. Otherwise it returns apperr
// Conflict with Reason "already_exported" together with the stored marker
// when the marker is exported, Reason "erased" (with the tombstone) when it
// is erased, or Reason "in_progress" (also with the stored marker) when a
// claim is fresh, including one held by claimID itself. Of
// concurrent Claim calls for one key exactly one succeeds.
func (e *Exports) Claim(ctx context.Context, k export.Key, claimID string, now time.Time, staleAfter time.Duration) (export.Marker, error) {
	return e.ClaimContaining(ctx, k, claimID, now, staleAfter, nil)
}

// ClaimContaining is Claim that also sets the marker's contains list (a
// list of strings) in the same conditional write when contains is not
// empty (see export.Store).
func (e *Exports) ClaimContaining(ctx context.Context, k export.Key, claimID string, now time.Time, staleAfter time.Duration, contains []string) (export.Marker, error) {
	if err := validKey(k); err != nil {
		return export.Marker{}, err
	}
	if err := requireID("claimId", claimID); err != nil {
		return export.Marker{}, err
	}
	state, claim := expression.Name("state"), expression.Name("claimId")
	u := expression.Set(state, expression.Value(export.Exporting)).
		Set(claim, expression.Value(claimID)).
		Set(expression.Name("claimedAt"), expression.Value(now.UnixNano())).
		Set(expression.Name("attempts"), incr("attempts")).
		Set(expression.Name("updatedAt"), expression.Value(now.UnixNano())).
		Set(expression.Name("version"), incr("version")).
		Set(expression.Name("candidateId"), expression.Value(k.CandidateID)).
		Remove(expression.Name("reason"))
	if k.ActivityID != "" {
		u = u.Set(expression.Name("activityId"), expression.Value(k.ActivityID))
	}
	if len(contains) > 0 {
		u = u.Set(expression.Name("contains"), expression.Value(contains))
	}
	u = setIndex(u, k, export.Exporting, now)
	c := expression.Or(
		expression.Name(attrPK).AttributeNotExists(),
		state.In(expression.Value(export.Queued), expression.Value(export.Failed), expression.Value(export.Skipped)),
		expression.And(
			state.Equal(expression.Value(export.Exporting)),
			expression.Or(
				claim.AttributeNotExists(),
				claim.Equal(expression.Value("")),
				expression.Name("claimedAt").LessThan(expression.Value(now.Add(-staleAfter).UnixNano())),
			),
		),
	)
	m, old, err := e.update(ctx, k, u, c)
	if err == nil {
		if m.ClaimID == claimID && m.Key == k {
			e.remember(m)
		}
		return m, nil
	}
	if cf, _ := isCondFailed(err); !cf {
		return export.Marker{}, storageErr(err, "claim export %s/%s", k.CompanyID, markerSK(k))
	}
	var stored export.Marker
	var derr error
	if old != nil {
		stored, derr = decodeMarker(old)
	} else { // the answer did not carry the stored item: read it
		stored, _, derr = e.get(ctx, k)
	}
	if derr != nil {
		return export.Marker{}, fmt.Errorf("dynamo: claim export %s/%s: %w", k.CompanyID, markerSK(k), derr)
	}
	if stored.State == export.Exported {
		return stored, fmt.Errorf("dynamo: claim export %s/%s: %w", k.CompanyID, markerSK(k),
			apperr.Wrap(apperr.Conflict, err, "candidate already exported").WithReason("already_exported"))
	}
	if stored.State == export.Erased {
		return stored, fmt.Errorf("dynamo: claim export %s/%s: %w", k.CompanyID, markerSK(k),
			apperr.Wrap(apperr.Conflict, err, "candidate erased").WithReason("erased"))
	}
	return stored, fmt.Errorf("dynamo: claim export %s/%s: %w", k.CompanyID, markerSK(k),
		apperr.Wrap(apperr.Conflict, err, "export in progress").WithReason("in_progress"))
}

// Confirm sets state exported, sets ExportedAt to now when it is zero,
// applies fn to the marker (to record ids), clears the claim and writes it
// back, conditional on claimID still holding the claim and the version read
// (on the first attempt, the version this instance's Claim wrote, without
// reading: see Exports.claimed).
// fn may be called again when the marker changed in between. It returns the
// marker as stored, or apperr Conflict (Reason "claim_lost") when claimID
// does not hold the claim (or the marker does not exist).
func (e *Exports) Confirm(ctx context.Context, k export.Key, claimID string, now time.Time, fn func(*export.Marker)) (export.Marker, error) {
	if err := requireID("claimId", claimID); err != nil {
		return export.Marker{}, err
	}
	known, remembered := e.recall(k, claimID)
	for attempt := 1; ; attempt++ {
		m, found, err := known, true, error(nil)
		if attempt > 1 || !remembered {
			m, found, err = e.get(ctx, k)
		}
		if err != nil {
			return export.Marker{}, fmt.Errorf("dynamo: confirm export %s/%s: %w", k.CompanyID, markerSK(k), err)
		}
		if !found || m.ClaimID != claimID {
			return export.Marker{}, claimLost("confirm", k, nil)
		}
		read := m.Version
		m.State = export.Exported
		if m.ExportedAt.IsZero() {
			m.ExportedAt = now
		}
		if fn != nil {
			fn(&m)
		}
		m.Key, m.State, m.ClaimID, m.UpdatedAt, m.Version = k, export.Exported, "", now, read+1

		item, err := attributevalue.MarshalMap(toMarkerRecord(m))
		if err != nil {
			return export.Marker{}, apperr.Wrap(apperr.Internal, err, "dynamo: encode marker")
		}
		_, err = e.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(e.table), Item: item,
			ConditionExpression:       aws.String("claimId = :c AND version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": avS(claimID), ":v": avN(read)},
		})
		if err == nil {
			return m, nil
		}
		if cf, _ := isCondFailed(err); !cf {
			return export.Marker{}, storageErr(err, "confirm export %s/%s", k.CompanyID, markerSK(k))
		}
		if attempt >= confirmAttempts {
			return export.Marker{}, claimLost("confirm", k, err)
		}
	}
}

func claimLost(op string, k export.Key, cause error) error {
	return fmt.Errorf("dynamo: %s export %s/%s: %w", op, k.CompanyID, markerSK(k),
		apperr.Wrap(apperr.Conflict, cause, "the claim is not held").WithReason("claim_lost"))
}

// Release clears the claim of claimID and keeps state exporting (the
// outcome of the Lever write is unknown), recording lastError. It returns
// apperr Conflict (Reason "claim_lost") when claimID does not hold the claim.
func (e *Exports) Release(ctx context.Context, k export.Key, claimID string, now time.Time, lastError string) error {
	if err := validKey(k); err != nil {
		return err
	}
	if err := requireID("claimId", claimID); err != nil {
		return err
	}
	e.recall(k, claimID)
	u := setString(expression.Set(expression.Name("updatedAt"), expression.Value(now.UnixNano())), "lastError", lastError).
		Set(expression.Name("version"), incr("version")).
		Remove(expression.Name("claimId"))
	u = setIndex(u, k, export.Exporting, now)
	_, _, err := e.update(ctx, k, u, expression.Name("claimId").Equal(expression.Value(claimID)))
	return e.holderErr("release", k, err)
}

// Finish sets the final state (failed or skipped; anything else is apperr
// Invalid) with reason and lastError and clears the claim of claimID. It
// returns apperr Conflict (Reason "claim_lost") when claimID does not hold
// the claim.
func (e *Exports) Finish(ctx context.Context, k export.Key, claimID string, now time.Time, state export.State, reason, lastError string) error {
	if err := validKey(k); err != nil {
		return err
	}
	if err := requireID("claimId", claimID); err != nil {
		return err
	}
	if state != export.Failed && state != export.Skipped {
		return apperr.InvalidField("state", "a claim finishes as failed or skipped, not %q", state)
	}
	e.recall(k, claimID)
	u := expression.Set(expression.Name("state"), expression.Value(state)).
		Set(expression.Name("updatedAt"), expression.Value(now.UnixNano())).
		Set(expression.Name("version"), incr("version")).
		Remove(expression.Name("claimId"))
	u = setString(setString(u, "reason", reason), "lastError", lastError)
	u = setIndex(u, k, state, now)
	_, _, err := e.update(ctx, k, u, expression.Name("claimId").Equal(expression.Value(claimID)))
	return e.holderErr("finish", k, err)
}

func (e *Exports) holderErr(op string, k export.Key, err error) error {
	if err == nil {
		return nil
	}
	if cf, _ := isCondFailed(err); cf {
		return claimLost(op, k, err)
	}
	return storageErr(err, "%s export %s/%s", op, k.CompanyID, markerSK(k))
}

// setString sets a string attribute, or removes it when v is empty.
func setString(u expression.UpdateBuilder, name, v string) expression.UpdateBuilder {
	if v == "" {
		return u.Remove(expression.Name(name))
	}
	return u.Set(expression.Name(name), expression.Value(v))
}

// Skip records state skipped with reason and, when not empty, positionID
// (creating the marker if needed) unless the marker is exported, erased or
// claimed (a non-empty claim, fresh or stale); then it changes nothing and
// returns nil.
func (e *Exports) Skip(ctx context.Context, k export.Key, now time.Time, reason, positionID string) error {
	return e.skip(ctx, k, now, reason, "positionId", positionID)
}

// SkipPosting is Skip recording, when not empty, the posting an
// application named (postingId) instead of a position.
func (e *Exports) SkipPosting(ctx context.Context, k export.Key, now time.Time, reason, postingID string) error {
	return e.skip(ctx, k, now, reason, "postingId", postingID)
}

// skip is Skip, recording value under attr when value is not empty.
func (e *Exports) skip(ctx context.Context, k export.Key, now time.Time, reason, attr, value string) error {
	if err := validKey(k); err != nil {
		return err
	}
	state, claim := expression.Name("state"), expression.Name("claimId")
	u := expression.Set(state, expression.Value(export.Skipped)).
		Set(expression.Name("updatedAt"), expression.Value(now.UnixNano())).
		Set(expression.Name("version"), incr("version")).
		Set(expression.Name("candidateId"), expression.Value(k.CandidateID))
	if k.ActivityID != "" {
		u = u.Set(expression.Name("activityId"), expression.Value(k.ActivityID))
	}
	if value != "" {
		u = u.Set(expression.Name(attr), expression.Value(value))
	}
	u = setIndex(setString(u, "reason", reason), k, export.Skipped, now)
	c := expression.Or(
		expression.Name(attrPK).AttributeNotExists(),
		expression.And(
			state.NotEqual(expression.Value(export.Exported)),
			state.NotEqual(expression.Value(export.Erased)),
			expression.Or(claim.AttributeNotExists(), claim.Equal(expression.Value(""))),
		),
	)
	_, _, err := e.update(ctx, k, u, c)
	if cf, _ := isCondFailed(err); cf {
		return nil
	}
	return storageErr(err, "skip export %s/%s", k.CompanyID, markerSK(k))
}

// List pages through the company's candidate export markers in state, most
// recently updated first, at most limit per page (100 when limit <= 0), via
// the byState index (eventually consistent on AWS). The cursor is opaque:
// "" starts, an empty next cursor ends; a malformed cursor, or one from
// another company or state, is apperr Invalid.
func (e *Exports) List(ctx context.Context, companyID string, state export.State, cursor string, limit int) ([]export.Marker, string, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = defaultPage
	}
	return e.listByState(ctx, companyID+"#"+string(state), "exports", companyID, state, cursor, limit)
}

// listByState is the one page of the byState index for gpk (a company's
// export markers or activity markers in one state), most recently updated
// first; what names the listing in errors. The cursor must come from the
// same listing (apperr Invalid naming cursor otherwise).
func (e *Exports) listByState(ctx context.Context, gpk, what, companyID string, state export.State, cursor string, limit int) ([]export.Marker, string, error) {
	start, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	if start != nil && getS(start, "gsi1pk") != gpk {
		return nil, "", apperr.InvalidField("cursor", "cursor belongs to another listing")
	}
	out, err := e.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(e.table), IndexName: aws.String(byStateIndex),
		KeyConditionExpression:    aws.String("gsi1pk = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": avS(gpk)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(min(limit, 1000))),
		ExclusiveStartKey:         start,
	})
	if err != nil {
		return nil, "", storageErr(err, "list %s %s of %s", state, what, companyID)
	}
	ms := make([]export.Marker, 0, len(out.Items))
	for _, it := range out.Items {
		m, err := decodeMarker(it)
		if err != nil {
			return nil, "", fmt.Errorf("dynamo: list %s of %s: %w", what, companyID, err)
		}
		ms = append(ms, m)
	}
	next, err := encodeCursor(out.LastEvaluatedKey)
	return ms, next, err
}

// incr is the update operand name+1, counting a missing attribute as 0.
func incr(name string) expression.SetValueBuilder {
	return expression.Plus(expression.IfNotExists(expression.Name(name), expression.Value(0)), expression.Value(1))
}

// Record marks k exported in one conditional write, with the opportunity
// and note it was written into and a reason (e.g. "in_history"), unless the
// marker is exported, erased or claimed (a non-empty claim); it reports whether it
// wrote. A skipped or failed marker is overwritten.
func (e *Exports) Record(ctx context.Context, k export.Key, now time.Time, opportunityID, noteID, reason string) (bool, error) {
	if err := validKey(k); err != nil {
		return false, err
	}
	state, claim := expression.Name("state"), expression.Name("claimId")
	u := expression.Set(state, expression.Value(export.Exported)).
		Set(expression.Name("updatedAt"), expression.Value(now.UnixNano())).
		Set(expression.Name("exportedAt"), expression.Value(now.UnixNano())).
		Set(expression.Name("version"), incr("version")).
		Set(expression.Name("candidateId"), expression.Value(k.CandidateID)).
		Remove(claim)
	if k.ActivityID != "" {
		u = u.Set(expression.Name("activityId"), expression.Value(k.ActivityID))
	}
	u = setString(setString(setString(u, "opportunityId", opportunityID), "noteId", noteID), "reason", reason)
	u = setIndex(u, k, export.Exported, now)
	c := expression.Or(
		expression.Name(attrPK).AttributeNotExists(),
		expression.And(
			state.NotEqual(expression.Value(export.Exported)),
			state.NotEqual(expression.Value(export.Erased)),
			expression.Or(claim.AttributeNotExists(), claim.Equal(expression.Value(""))),
		),
	)
	_, _, err := e.update(ctx, k, u, c)
	if cf, _ := isCondFailed(err); cf {
		return false, nil
	}
	if err != nil {
		return false, storageErr(err, "record %s/%s", k.CompanyID, markerSK(k))
	}
	return true, nil
}
