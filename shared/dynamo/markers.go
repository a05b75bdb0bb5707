package dynamo

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// Sort-key prefixes of the exports table.
const (
	exportPrefix   = "export#"
	activityPrefix = "activity#"
	linkedinPrefix = "linkedin#"
	bucketPrefix   = "bucket#"
	byStateIndex   = "byState"
)

// markerRecord is the stored form of an export.Marker.
type markerRecord struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	CandidateID   string `dynamodbav:"candidateId"`
	ActivityID    string `dynamodbav:"activityId,omitempty"`
	State         string `dynamodbav:"state"`
	ClaimID       string `dynamodbav:"claimId,omitempty"`
	ClaimedAt     int64  `dynamodbav:"claimedAt,omitempty"`
	Attempts      int    `dynamodbav:"attempts,omitempty"`
	PositionID    string `dynamodbav:"positionId,omitempty"`
	PostingID     string `dynamodbav:"postingId,omitempty"`
	ContactID     string `dynamodbav:"contactId,omitempty"`
	OpportunityID string `dynamodbav:"opportunityId,omitempty"`
	NoteID        string `dynamodbav:"noteId,omitempty"`
	LeverURL      string `dynamodbav:"leverUrl,omitempty"`
	Origin        string `dynamodbav:"origin,omitempty"`
	StageID       string `dynamodbav:"stageId,omitempty"`
	Reason        string `dynamodbav:"reason,omitempty"`
	LastError     string `dynamodbav:"lastError,omitempty"`
	ResumeDropped bool   `dynamodbav:"resumeDropped,omitempty"`
	LastEventID   string `dynamodbav:"lastEventId,omitempty"`
	ExportedAt    int64  `dynamodbav:"exportedAt,omitempty"`
	UpdatedAt     int64  `dynamodbav:"updatedAt,omitempty"`
	Version       int64  `dynamodbav:"version"`
	GSI1PK        string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK        string `dynamodbav:"gsi1sk,omitempty"`

	Contains []string `dynamodbav:"contains,omitempty"`
}

func markerSK(k export.Key) string {
	if k.ActivityID == "" {
		return exportPrefix + k.CandidateID
	}
	return activityPrefix + k.CandidateID + "#" + k.ActivityID
}

func markerKey(k export.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(k.CompanyID), attrSK: avS(markerSK(k))}
}

// validKey returns apperr Invalid when the key lacks a company or candidate.
func validKey(k export.Key) error {
	if err := requireID("companyId", k.CompanyID); err != nil {
		return err
	}
	return requireID("candidateId", k.CandidateID)
}

// gsiKeys returns the byState index keys of a marker in state st updated
// at t. Candidate export markers are indexed in every state; activity
// markers only while queued, failed or skipped (under
// <company>#activity#<state>), so pushed activities cost no index write
// ("" when not indexed).
func gsiKeys(k export.Key, st export.State, t time.Time) (pk, sk string) {
	if k.ActivityID != "" {
		if !activityIndexed(st) {
			return "", ""
		}
		return activityGSIPK(k.CompanyID, st), sortableTime(t) + "#" + k.CandidateID + "#" + k.ActivityID
	}
	return k.CompanyID + "#" + string(st), sortableTime(t) + "#" + k.CandidateID
}

// activityIndexed reports whether activity markers in st are in the
// byState index.
func activityIndexed(st export.State) bool {
	return st == export.Queued || st == export.Failed || st == export.Skipped
}

func activityGSIPK(companyID string, st export.State) string {
	return companyID + "#activity#" + string(st)
}

// setIndex sets the byState index keys in an update of a marker, or
// removes them when the marker leaves the index.
func setIndex(u expression.UpdateBuilder, k export.Key, st export.State, t time.Time) expression.UpdateBuilder {
	if gpk, gsk := gsiKeys(k, st, t); gpk != "" {
		return u.Set(expression.Name("gsi1pk"), expression.Value(gpk)).Set(expression.Name("gsi1sk"), expression.Value(gsk))
	}
	if k.ActivityID != "" {
		u = u.Remove(expression.Name("gsi1pk")).Remove(expression.Name("gsi1sk"))
	}
	return u
}

func toMarkerRecord(m export.Marker) markerRecord {
	r := markerRecord{
		PK: m.CompanyID, SK: markerSK(m.Key), CandidateID: m.CandidateID, ActivityID: m.ActivityID,
		State: string(m.State), ClaimID: m.ClaimID, ClaimedAt: nanos(m.ClaimedAt), Attempts: m.Attempts,
		PositionID: m.PositionID, PostingID: m.PostingID, ContactID: m.ContactID,
		OpportunityID: m.OpportunityID, NoteID: m.NoteID, LeverURL: m.LeverURL, Origin: m.Origin,
		StageID: m.StageID, Reason: m.Reason, LastError: m.LastError, ResumeDropped: m.ResumeDropped,
		LastEventID: m.LastEventID, ExportedAt: nanos(m.ExportedAt), UpdatedAt: nanos(m.UpdatedAt), Version: m.Version,
		Contains: m.Contains,
	}
	r.GSI1PK, r.GSI1SK = gsiKeys(m.Key, m.State, m.UpdatedAt)
	return r
}

func decodeMarker(item map[string]types.AttributeValue) (export.Marker, error) {
	var r markerRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return export.Marker{}, apperr.Wrap(apperr.Internal, err, "malformed export marker")
	}
	return export.Marker{
		Key:   export.Key{CompanyID: r.PK, CandidateID: r.CandidateID, ActivityID: r.ActivityID},
		State: export.State(r.State), ClaimID: r.ClaimID, ClaimedAt: fromNanos(r.ClaimedAt), Attempts: r.Attempts,
		PositionID: r.PositionID, PostingID: r.PostingID, ContactID: r.ContactID,
		OpportunityID: r.OpportunityID, NoteID: r.NoteID, LeverURL: r.LeverURL, Origin: r.Origin,
		StageID: r.StageID, Reason: r.Reason, LastError: r.LastError, ResumeDropped: r.ResumeDropped,
		LastEventID: r.LastEventID, ExportedAt: fromNanos(r.ExportedAt), UpdatedAt: fromNanos(r.UpdatedAt), Version: r.Version,
		Contains: r.Contains,
	}, nil
}
