package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/settings"
)

// settingsPrefix starts the pk of a company's settings item in the
// connections table. Company ids never contain '#' (event.CheckID), so it
// cannot meet a connection item; the item has no status, so ListActive
// never returns it; disconnect does not touch it.
const settingsPrefix = "settings#"

// Settings implements settings.Store on the connections table: one item per
// company (pk = settings#<company id>) with a version number as the
// optimistic-concurrency condition. Safe for concurrent use.
type Settings struct {
	db    DB
	table string
}

var _ settings.Store = (*Settings)(nil)

// NewSettings returns the settings store on t.Connections.
func NewSettings(db DB, t Tables) *Settings {
	return &Settings{db: db, table: t.Connections}
}

// settingsRecord is the stored form of settings.Settings.
type settingsRecord struct {
	PK                       string `dynamodbav:"pk"`
	CompanyID                string `dynamodbav:"companyId"`
	AllowGeneralOpportunity  bool   `dynamodbav:"allowGeneralOpportunity"`
	ExportBeforeConsent      bool   `dynamodbav:"exportBeforeConsent"`
	AnnounceInternalPostings bool   `dynamodbav:"announceInternalPostings"`
	UpdatedAt                int64  `dynamodbav:"updatedAt,omitempty"`
	UpdatedBy                string `dynamodbav:"updatedBy,omitempty"`
	Version                  int64  `dynamodbav:"version"`
}

// Get returns the company's settings, or apperr NotFound.
func (s *Settings) Get(ctx context.Context, companyID string) (settings.Settings, error) {
	st, found, err := s.get(ctx, companyID)
	if err != nil {
		return settings.Settings{}, fmt.Errorf("dynamo: get settings %s: %w", companyID, err)
	}
	if !found {
		return settings.Settings{}, apperr.E(apperr.NotFound, "no settings for company %s", companyID)
	}
	return st, nil
}

func (s *Settings) get(ctx context.Context, companyID string) (settings.Settings, bool, error) {
	if err := requireID("companyId", companyID); err != nil {
		return settings.Settings{}, false, err
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{attrPK: avS(settingsPrefix + companyID)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return settings.Settings{}, false, storageErr(err, "read settings")
	}
	if out.Item == nil {
		return settings.Settings{}, false, nil
	}
	var r settingsRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return settings.Settings{}, false, apperr.Wrap(apperr.Internal, err, "malformed settings item")
	}
	return settings.Settings{
		CompanyID: companyID, AllowGeneralOpportunity: r.AllowGeneralOpportunity,
		ExportBeforeConsent: r.ExportBeforeConsent, AnnounceInternalPostings: r.AnnounceInternalPostings,
		UpdatedAt: fromNanos(r.UpdatedAt), UpdatedBy: r.UpdatedBy, Version: r.Version,
	}, true, nil
}

// Update applies fn to the company's settings (see settings.Store) with one
// conditional put per attempt: attribute_not_exists(pk) for the first
// write, version = the version read afterwards.
func (s *Settings) Update(ctx context.Context, companyID string, fn func(*settings.Settings) error) (settings.Settings, error) {
	return updateVersioned(ctx, s.db, s.table, companyID, versioned[settings.Settings]{
		what: "settings",
		read: func(ctx context.Context) (settings.Settings, bool, error) { return s.get(ctx, companyID) },
		zero: func() settings.Settings { return settings.Settings{CompanyID: companyID} },
		ver:  func(c *settings.Settings) *int64 { c.CompanyID = companyID; return &c.Version },
		encode: func(c settings.Settings) (map[string]types.AttributeValue, error) {
			return attributevalue.MarshalMap(settingsRecord{
				PK: settingsPrefix + companyID, CompanyID: companyID,
				AllowGeneralOpportunity: c.AllowGeneralOpportunity, ExportBeforeConsent: c.ExportBeforeConsent,
				AnnounceInternalPostings: c.AnnounceInternalPostings,
				UpdatedAt:                nanos(c.UpdatedAt), UpdatedBy: c.UpdatedBy, Version: c.Version,
			})
		},
	}, fn)
}
