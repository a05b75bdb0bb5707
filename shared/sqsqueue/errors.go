package sqsqueue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/queue"
)

// Error codes SQS answers with, grouped by the apperr code they map to.
// SQS may report the legacy query-protocol name of a code
// ("AWS.SimpleQueueService.NonExistentQueue"); the prefix is removed first.
var (
	notFoundCodes = set("QueueDoesNotExist", "NonExistentQueue", "ResourceNotFoundException")
	invalidCodes  = set("InvalidParameterValue", "InvalidParameterCombination", "MissingParameter",
		"InvalidAttributeName", "InvalidAttributeValue", "InvalidMessageContents", "InvalidAddress",
		"InvalidIdFormat", "ReceiptHandleIsInvalid", "MessageNotInflight", "BatchEntryIdsNotDistinct",
		"TooManyEntriesInBatchRequest", "EmptyBatchRequest", "InvalidBatchEntryId",
		"BatchRequestTooLong", "UnsupportedOperation", "ValidationError", "ValidationException",
		"QueueDeletedRecently")
	transientCodes = set("RequestThrottled", "ThrottlingException", "Throttling", "KmsThrottled",
		"OverLimit", "ServiceUnavailable", "InternalError", "InternalFailure", "RequestTimeout")
	conflictCodes = set("QueueNameExists", "QueueAlreadyExists", "PurgeQueueInProgress")
)

const legacyPrefix = "AWS.SimpleQueueService."

func set(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// mapErr wraps an SDK error into an *apperr.Error whose message says what was
// being done (op) on which queue. Nil stays nil.
func mapErr(err error, op, queue string) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("sqs %s %s", op, queue)
	return apperr.Wrap(classify(err), err, "%s", msg)
}

// classify picks the apperr code of an SDK error.
func classify(err error) apperr.Code {
	var api smithy.APIError
	if errors.As(err, &api) {
		code := strings.TrimPrefix(api.ErrorCode(), legacyPrefix)
		switch {
		case notFoundCodes[code]:
			return apperr.NotFound
		case invalidCodes[code]:
			return apperr.Invalid
		case transientCodes[code]:
			return apperr.Transient
		case conflictCodes[code]:
			return apperr.Conflict
		}
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		switch s := resp.HTTPStatusCode(); {
		case s == 429 || s >= 500:
			return apperr.Transient
		case s == 404:
			return apperr.NotFound
		case s == 401 || s == 403:
			return apperr.Internal // our credentials or IAM policy are wrong: a deployment bug
		case s >= 400:
			if api != nil && api.ErrorFault() == smithy.FaultServer {
				return apperr.Transient
			}
			return apperr.Invalid
		}
	}
	if api != nil && api.ErrorFault() == smithy.FaultServer {
		return apperr.Transient
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) || isConnectionError(err) {
		return apperr.Transient
	}
	return apperr.Internal
}

// isConnectionError reports a failure to reach SQS or to read its answer,
// including the SDK's client-side retry quota running out.
func isConnectionError(err error) bool {
	var sendErr *smithyhttp.RequestSendError
	var quota ratelimit.QuotaExceededError
	return errors.As(err, &sendErr) || errors.As(err, &quota) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// BatchError lists the entries of a batch SQS did not accept, by entry id,
// with SQS's error code for each (see queue.BatchError).
type BatchError = queue.BatchError
