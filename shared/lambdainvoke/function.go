// Package lambdainvoke hands payloads to a Lambda function as asynchronous
// invocations (posting.AsyncInvoker): Function through AWS Lambda's Invoke
// API with InvocationType Event, and Local in process, at the same JSON
// boundary, for the local stack and the tests, which have no Lambda.
package lambdainvoke

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/awsconf"
	"github.com/leverlink/leverlink/shared/posting"
)

// NewClient returns a Lambda client for the environment's region and
// credentials; endpoint, when set, replaces Lambda's (a stub in tests).
// Errors are apperr Internal.
func NewClient(ctx context.Context, endpoint string) (*lambda.Client, error) {
	cfg, err := awsconf.Load(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("lambdainvoke: %w", err)
	}
	return lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// Function is one Lambda function, by name or ARN, invoked asynchronously.
// Safe for concurrent use.
type Function struct {
	client *lambda.Client
	name   string
}

var _ posting.AsyncInvoker = (*Function)(nil)

// New returns the function name (a name, or an ARN), called through
// client.
func New(client *lambda.Client, name string) *Function {
	return &Function{client: client, name: name}
}

// InvokeAsync queues one asynchronous invocation of the function with
// payload (InvocationType Event): nil once Lambda accepted it (202); Lambda
// then runs it, retries it and hands it to the function's on-failure
// destination as its EventInvokeConfig says. Errors: apperr Transient when
// Lambda throttled or failed (retry later), Invalid when Lambda refused the
// payload (too large, not JSON), Internal for a deployment fault (no such
// function, no lambda:InvokeFunction grant).
func (f *Function) InvokeAsync(ctx context.Context, payload []byte) error {
	out, err := f.client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(f.name),
		InvocationType: types.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return apperr.Wrap(classify(err), err, "lambda invoke %s", f.name)
	}
	if out.StatusCode != 202 {
		return apperr.E(apperr.Internal, "lambda invoke %s: status %d, want 202 (accepted)", f.name, out.StatusCode)
	}
	return nil
}

// classify picks the apperr code of an Invoke error (Lambda API reference,
// Invoke: Errors).
func classify(err error) apperr.Code {
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		switch s := resp.HTTPStatusCode(); {
		case s == 429 || s >= 500:
			return apperr.Transient // TooManyRequestsException, ServiceException, ...
		case s == 400 || s == 413:
			return apperr.Invalid // InvalidRequestContentException, RequestTooLargeException
		default:
			return apperr.Internal // 403 AccessDenied, 404 ResourceNotFoundException: the deployment is wrong
		}
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorFault() == smithy.FaultServer {
		return apperr.Transient
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return apperr.Transient
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return apperr.Transient
	}
	return apperr.Internal
}
