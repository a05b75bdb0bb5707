package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
)

func linkedinKey(companyID, url string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: avS(companyID), attrSK: avS(linkedinPrefix + url)}
}

// ContactByLinkedIn returns the Lever contact id recorded for the LinkedIn
// URL (compared as given: callers normalize), or apperr NotFound.
func (e *Exports) ContactByLinkedIn(ctx context.Context, companyID, linkedinURL string) (string, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("linkedinUrl", linkedinURL)); err != nil {
		return "", err
	}
	out, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(e.table), Key: linkedinKey(companyID, linkedinURL), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", storageErr(err, "get linkedin contact of %s", companyID)
	}
	if id := getS(out.Item, "contactId"); id != "" {
		return id, nil
	}
	return "", apperr.E(apperr.NotFound, "no contact recorded for this LinkedIn URL")
}

// PutLinkedIn records contactID for the LinkedIn URL unless one is recorded
// already (first writer wins, one conditional put), and returns the contact
// id that is recorded: contactID, or the first writer's.
func (e *Exports) PutLinkedIn(ctx context.Context, companyID, linkedinURL, contactID string) (string, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("linkedinUrl", linkedinURL), requireID("contactId", contactID)); err != nil {
		return "", err
	}
	item := linkedinKey(companyID, linkedinURL)
	item["contactId"] = avS(contactID)
	_, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(e.table), Item: item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return contactID, nil
	}
	if cf, old := isCondFailed(err); cf {
		if id := getS(old, "contactId"); id != "" {
			return id, nil
		}
		// No item in the answer: read it.
		id, gerr := e.ContactByLinkedIn(ctx, companyID, linkedinURL)
		if gerr != nil {
			return "", fmt.Errorf("dynamo: put linkedin contact of %s: %w", companyID, gerr)
		}
		return id, nil
	}
	return "", storageErr(err, "put linkedin contact of %s", companyID)
}
