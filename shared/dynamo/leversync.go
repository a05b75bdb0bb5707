package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/leversync"
)

// Sort keys of sync-back items in the exports table (pk = company id): one
// state item per exported opportunity, whose change stream becomes the
// candidate.* outbound events, and one sync record per company.
const (
	leverStatePrefix = "lever#opp#"
	leverSyncSK      = "lever#sync"
)

// LeverSync implements leversync.StateStore, leversync.RecordStore and
// erasure.LeverStates on the exports table. Safe for concurrent use.
type LeverSync struct {
	db    DB
	table string
}

var (
	_ leversync.StateStore  = (*LeverSync)(nil)
	_ leversync.RecordStore = (*LeverSync)(nil)
	_ erasure.LeverStates   = (*LeverSync)(nil)
)

// NewLeverSync returns the sync-back store on t.Exports.
func NewLeverSync(db DB, t Tables) *LeverSync { return &LeverSync{db: db, table: t.Exports} }

// leverStateRecord is the stored form of leversync.State.
type leverStateRecord struct {
	PK                string `dynamodbav:"pk"`
	SK                string `dynamodbav:"sk"`
	OpportunityID     string `dynamodbav:"opportunityId"`
	CandidateID       string `dynamodbav:"candidateId"`
	StageID           string `dynamodbav:"stageId,omitempty"`
	StageName         string `dynamodbav:"stageName,omitempty"`
	PrevStageID       string `dynamodbav:"prevStageId,omitempty"`
	PrevStageName     string `dynamodbav:"prevStageName,omitempty"`
	Archived          bool   `dynamodbav:"archived,omitempty"`
	ArchiveReasonID   string `dynamodbav:"archiveReasonId,omitempty"`
	ArchiveReasonName string `dynamodbav:"archiveReasonName,omitempty"`
	Hired             bool   `dynamodbav:"hired,omitempty"`
	Deleted           bool   `dynamodbav:"deleted,omitempty"`
	Forgotten         bool   `dynamodbav:"forgotten,omitempty"`
	LeverUpdatedAt    int64  `dynamodbav:"leverUpdatedAt,omitempty"`
	UpdatedAt         int64  `dynamodbav:"updatedAt,omitempty"`
	Version           int64  `dynamodbav:"version"`
}

func leverStateKey(companyID, oppID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(companyID), attrSK: avS(leverStatePrefix + oppID)}
}

func encodeLeverState(s leversync.State) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMap(leverStateRecord{
		PK: s.CompanyID, SK: leverStatePrefix + s.OpportunityID, OpportunityID: s.OpportunityID, CandidateID: s.CandidateID,
		StageID: s.Stage.ID, StageName: s.Stage.Name, PrevStageID: s.PrevStage.ID, PrevStageName: s.PrevStage.Name,
		Archived: s.Archived, ArchiveReasonID: s.ArchiveReason.ID, ArchiveReasonName: s.ArchiveReason.Name,
		Hired: s.Hired, Deleted: s.Deleted, Forgotten: s.Forgotten, LeverUpdatedAt: nanos(s.LeverUpdatedAt), UpdatedAt: nanos(s.UpdatedAt), Version: s.Version,
	})
}

// decodeLeverState decodes a state item (the store's and the stream's).
func decodeLeverState(item map[string]types.AttributeValue) (leversync.State, error) {
	var r leverStateRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return leversync.State{}, apperr.Wrap(apperr.Internal, err, "malformed lever state item")
	}
	return leversync.State{
		CompanyID: r.PK, OpportunityID: r.OpportunityID, CandidateID: r.CandidateID,
		Stage: leversync.Ref{ID: r.StageID, Name: r.StageName}, PrevStage: leversync.Ref{ID: r.PrevStageID, Name: r.PrevStageName},
		Archived: r.Archived, ArchiveReason: leversync.Ref{ID: r.ArchiveReasonID, Name: r.ArchiveReasonName},
		Hired: r.Hired, Deleted: r.Deleted, Forgotten: r.Forgotten, LeverUpdatedAt: fromNanos(r.LeverUpdatedAt), UpdatedAt: fromNanos(r.UpdatedAt), Version: r.Version,
	}, nil
}

func stateIDs(companyID, oppID string) error {
	return errors.Join(requireID("companyId", companyID), requireID("opportunityId", oppID))
}

// Track implements leversync.StateStore (a conditional put: first writer
// wins).
func (l *LeverSync) Track(ctx context.Context, s leversync.State) error {
	if err := errors.Join(stateIDs(s.CompanyID, s.OpportunityID), requireID("candidateId", s.CandidateID)); err != nil {
		return err
	}
	if s.Version == 0 {
		s.Version = 1
	}
	item, err := encodeLeverState(s)
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "dynamo: encode lever state")
	}
	_, err = l.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(l.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if cf, _ := isCondFailed(err); cf {
		return nil
	}
	return storageErr(err, "track opportunity %s", s.OpportunityID)
}

func (l *LeverSync) getState(ctx context.Context, companyID, oppID string) (leversync.State, bool, error) {
	out, err := l.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(l.table), Key: leverStateKey(companyID, oppID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return leversync.State{}, false, storageErr(err, "read lever state")
	}
	if out.Item == nil {
		return leversync.State{}, false, nil
	}
	s, err := decodeLeverState(out.Item)
	return s, err == nil, err
}

// Get implements leversync.StateStore.
func (l *LeverSync) Get(ctx context.Context, companyID, oppID string) (leversync.State, error) {
	if err := stateIDs(companyID, oppID); err != nil {
		return leversync.State{}, err
	}
	s, found, err := l.getState(ctx, companyID, oppID)
	if err != nil {
		return leversync.State{}, fmt.Errorf("dynamo: get lever state %s: %w", oppID, err)
	}
	if !found {
		return leversync.State{}, apperr.E(apperr.NotFound, "opportunity %s is not tracked", oppID)
	}
	return s, nil
}

// Modify implements leversync.StateStore.
func (l *LeverSync) Modify(ctx context.Context, companyID, oppID string, fn func(*leversync.State) error) (leversync.State, error) {
	if err := stateIDs(companyID, oppID); err != nil {
		return leversync.State{}, err
	}
	return updateVersioned(ctx, l.db, l.table, oppID, l.stateItem(companyID, oppID), func(s *leversync.State) error {
		if s.Version == 0 {
			return apperr.E(apperr.NotFound, "opportunity %s is not tracked", oppID)
		}
		return fn(s)
	})
}

// stateItem is the versioned read-modify-write of one state item.
func (l *LeverSync) stateItem(companyID, oppID string) versioned[leversync.State] {
	return versioned[leversync.State]{
		what: "lever state",
		read: func(ctx context.Context) (leversync.State, bool, error) { return l.getState(ctx, companyID, oppID) },
		zero: func() leversync.State { return leversync.State{} },
		ver:  func(s *leversync.State) *int64 { return &s.Version },
		encode: func(s leversync.State) (map[string]types.AttributeValue, error) {
			s.CompanyID, s.OpportunityID = companyID, oppID
			return encodeLeverState(s)
		},
	}
}

// errForgotten aborts a ForgetOpportunity of a forgotten state.
var errForgotten = errors.New("dynamo: lever state forgotten already")

// ForgetOpportunity implements erasure.LeverStates: the read-modify-write
// of Modify, creating the tombstone (attribute_not_exists(pk)) when the
// opportunity is not tracked, which is what makes a later Track's
// conditional put keep it.
func (l *LeverSync) ForgetOpportunity(ctx context.Context, companyID, oppID, candidateID string, at time.Time) (bool, error) {
	if err := errors.Join(stateIDs(companyID, oppID), requireID("candidateId", candidateID)); err != nil {
		return false, err
	}
	forgot := false
	_, err := updateVersioned(ctx, l.db, l.table, oppID, l.stateItem(companyID, oppID), func(s *leversync.State) error {
		n, changed := leversync.Forget(*s, companyID, oppID, candidateID, at)
		if !changed {
			return errForgotten
		}
		forgot = s.Version > 0
		*s = n
		return nil
	})
	if errors.Is(err, errForgotten) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: forget lever state %s: %w", oppID, err)
	}
	return forgot, nil
}

// leverHookRecord is the stored form of leversync.Hook.
type leverHookRecord struct {
	ID          string `dynamodbav:"id"`
	Event       string `dynamodbav:"event"`
	SealedToken []byte `dynamodbav:"sealedToken"`
}

// leverSyncRecord is the stored form of leversync.Record.
type leverSyncRecord struct {
	PK             string            `dynamodbav:"pk"`
	SK             string            `dynamodbav:"sk"`
	URL            string            `dynamodbav:"url,omitempty"`
	Hooks          []leverHookRecord `dynamodbav:"hooks,omitempty"`
	RegisteredAt   int64             `dynamodbav:"registeredAt,omitempty"`
	LastDeliveryAt int64             `dynamodbav:"lastDeliveryAt,omitempty"`
	PolledAt       int64             `dynamodbav:"polledAt,omitempty"`
	PollFrom       int64             `dynamodbav:"pollFrom,omitempty"`
	HookError      string            `dynamodbav:"hookError,omitempty"`
	Version        int64             `dynamodbav:"version"`
}

func leverSyncKey(companyID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(companyID), attrSK: avS(leverSyncSK)}
}

func (l *LeverSync) getRecord(ctx context.Context, companyID string) (leversync.Record, bool, error) {
	out, err := l.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(l.table), Key: leverSyncKey(companyID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return leversync.Record{}, false, storageErr(err, "read lever sync record")
	}
	if out.Item == nil {
		return leversync.Record{}, false, nil
	}
	var r leverSyncRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return leversync.Record{}, false, apperr.Wrap(apperr.Internal, err, "malformed lever sync record")
	}
	rec := leversync.Record{
		CompanyID: r.PK, URL: r.URL, RegisteredAt: fromNanos(r.RegisteredAt), LastDeliveryAt: fromNanos(r.LastDeliveryAt),
		PolledAt: fromNanos(r.PolledAt), PollFrom: fromNanos(r.PollFrom), HookError: r.HookError, Version: r.Version,
	}
	for _, h := range r.Hooks {
		rec.Hooks = append(rec.Hooks, leversync.Hook{ID: h.ID, Event: h.Event, SealedToken: h.SealedToken})
	}
	return rec, true, nil
}

// GetRecord implements leversync.RecordStore.
func (l *LeverSync) GetRecord(ctx context.Context, companyID string) (leversync.Record, error) {
	if err := requireID("companyId", companyID); err != nil {
		return leversync.Record{}, err
	}
	r, found, err := l.getRecord(ctx, companyID)
	if err != nil {
		return leversync.Record{}, fmt.Errorf("dynamo: get lever sync record %s: %w", companyID, err)
	}
	if !found {
		return leversync.Record{}, apperr.E(apperr.NotFound, "no lever sync record for company %s", companyID)
	}
	return r, nil
}

// ModifyRecord implements leversync.RecordStore.
func (l *LeverSync) ModifyRecord(ctx context.Context, companyID string, fn func(*leversync.Record) error) (leversync.Record, error) {
	if err := requireID("companyId", companyID); err != nil {
		return leversync.Record{}, err
	}
	return updateVersioned(ctx, l.db, l.table, companyID, versioned[leversync.Record]{
		what: "lever sync record",
		read: func(ctx context.Context) (leversync.Record, bool, error) { return l.getRecord(ctx, companyID) },
		zero: func() leversync.Record { return leversync.Record{CompanyID: companyID} },
		ver:  func(r *leversync.Record) *int64 { return &r.Version },
		encode: func(r leversync.Record) (map[string]types.AttributeValue, error) {
			rec := leverSyncRecord{
				PK: companyID, SK: leverSyncSK, URL: r.URL, RegisteredAt: nanos(r.RegisteredAt), LastDeliveryAt: nanos(r.LastDeliveryAt),
				PolledAt: nanos(r.PolledAt), PollFrom: nanos(r.PollFrom), HookError: r.HookError, Version: r.Version,
			}
			for _, h := range r.Hooks {
				rec.Hooks = append(rec.Hooks, leverHookRecord{ID: h.ID, Event: h.Event, SealedToken: h.SealedToken})
			}
			return attributevalue.MarshalMap(rec)
		},
	}, fn)
}

// DeleteRecord implements leversync.RecordStore.
func (l *LeverSync) DeleteRecord(ctx context.Context, companyID string) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	_, err := l.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(l.table), Key: leverSyncKey(companyID)})
	return storageErr(err, "delete lever sync record %s", companyID)
}
