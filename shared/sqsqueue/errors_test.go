package sqsqueue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/leverlink/leverlink/shared/apperr"
)

func respErr(status int, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      err,
	}}
}

func TestClassify(t *testing.T) {
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	tests := []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"missing queue", respErr(400, api("QueueDoesNotExist")), apperr.NotFound},
		{"missing queue, query protocol", api("AWS.SimpleQueueService.NonExistentQueue"), apperr.NotFound},
		{"bad parameter", respErr(400, api("InvalidParameterValue")), apperr.Invalid},
		{"missing parameter", api("MissingParameter"), apperr.Invalid},
		{"bad receipt", api("ReceiptHandleIsInvalid"), apperr.Invalid},
		{"throttled", respErr(400, api("RequestThrottled")), apperr.Transient},
		{"kms throttled", api("KmsThrottled"), apperr.Transient},
		{"429", respErr(429, api("SomethingNew")), apperr.Transient},
		{"500", respErr(500, api("InternalError")), apperr.Transient},
		{"503 unknown code", respErr(503, api("Whatever")), apperr.Transient},
		{"unknown 4xx", respErr(400, api("Whatever")), apperr.Invalid},
		{"access denied", respErr(403, api("AccessDenied")), apperr.Internal},
		{"queue exists", api("QueueNameExists"), apperr.Conflict},
		{"queue exists, query protocol", api("AWS.SimpleQueueService.QueueNameExists"), apperr.Conflict},
		{"not in flight, query protocol", api("AWS.SimpleQueueService.MessageNotInflight"), apperr.Invalid},
		{"connection refused", &smithyhttp.RequestSendError{Err: syscall.ECONNREFUSED}, apperr.Transient},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), apperr.Transient},
		{"unknown", errors.New("boom"), apperr.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %s, want %s", tt.err, got, tt.want)
			}
			err := mapErr(tt.err, "send to", "q1")
			if !apperr.Is(err, tt.want) || !errors.Is(err, tt.err) || !strings.Contains(err.Error(), "sqs send to q1") {
				t.Errorf("mapErr = %v: want code %s, cause kept, context named", err, tt.want)
			}
		})
	}
	if mapErr(nil, "x", "y") != nil {
		t.Error("mapErr(nil) != nil")
	}
}

func TestBatchErrorNamesIDs(t *testing.T) {
	err := apperr.Wrap(apperr.Invalid, &BatchError{Failed: map[string]string{"b": "InvalidParameterValue", "a": "MissingParameter"}}, "x")
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatal("BatchError not in chain")
	}
	if got := strings.Join(be.IDs(), ","); got != "a,b" {
		t.Errorf("IDs = %s", got)
	}
	if s := err.Error(); !strings.Contains(s, "a (MissingParameter)") || !strings.Contains(s, "b (InvalidParameterValue)") {
		t.Errorf("error %q does not name the ids", s)
	}
}
