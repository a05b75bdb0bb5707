package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/leverlink/leverlink/shared/apperr"
)

// codeOf classifies an SDK error: a failed condition is Conflict; throttling,
// server faults, timeouts and network failures are Transient; the rest
// (validation, missing table, access denied) is Internal.
func codeOf(err error) apperr.Code {
	var ccf *types.ConditionalCheckFailedException
	var tce *types.TransactionCanceledException
	switch {
	case errors.As(err, &ccf), errors.As(err, &tce):
		return apperr.Conflict
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return apperr.Transient
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ProvisionedThroughputExceededException", "RequestLimitExceeded",
			"ThrottlingException", "Throttling", "LimitExceededException",
			"InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
			"TransactionConflictException", "ItemCollectionSizeLimitExceededException":
			return apperr.Transient
		}
		if ae.ErrorFault() == smithy.FaultServer {
			return apperr.Transient
		}
		return apperr.Internal
	}
	// Not an API answer: the request did not complete (connection refused,
	// reset, DNS, retries exhausted on a network error).
	return apperr.Transient
}

// storageErr wraps an SDK error in an *apperr.Error of its class, with
// context for the logs ("dynamo: claim export c1/k1: conflict: ...").
func storageErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	code := codeOf(err)
	msg := "storage error"
	switch code {
	case apperr.Transient:
		msg = "storage temporarily unavailable"
	case apperr.Conflict:
		msg = "concurrent update"
	}
	return fmt.Errorf("dynamo: "+format+": %w", append(args, apperr.Wrap(code, err, "%s", msg))...)
}

// isCondFailed reports whether err is a failed condition expression, and
// returns the stored item when the request asked for it (ALL_OLD).
func isCondFailed(err error) (bool, map[string]types.AttributeValue) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true, ccf.Item
	}
	return false, nil
}
