// Package ssmparam reads SSM Parameter Store parameters (SecureString
// secrets, decrypted): the only package that imports the SSM SDK. A *Store
// is a secret.Source.
package ssmparam

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/awsconf"
	"github.com/leverlink/leverlink/shared/secret"
)

// NewClient returns an SSM client configured from the environment the usual
// AWS way. A non-empty endpoint overrides the service endpoint (tests); for
// it the region defaults to us-east-1 and, when the environment names no
// credentials, dummy static credentials are used.
func NewClient(ctx context.Context, endpoint string) (*ssm.Client, error) {
	cfg, err := awsconf.Load(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("ssm: %w", err)
	}
	return ssm.NewFromConfig(cfg, func(o *ssm.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// Store reads parameters through an SSM client. Safe for concurrent use.
type Store struct{ client *ssm.Client }

// New returns a Store using client.
func New(client *ssm.Client) *Store { return &Store{client: client} }

var _ secret.Source = (*Store)(nil)

// Get returns the value of parameter name, decrypted (SecureString, with the
// KMS key the parameter names; aws/ssm by default). A missing parameter is
// apperr NotFound; throttling, 5xx and network failures are Transient; a
// malformed name is Invalid; anything else (access denied, KMS key problems)
// is Internal: a deployment problem. Errors name the parameter, never its
// value.
func (s *Store) Get(ctx context.Context, name string) (string, error) {
	out, err := s.client.GetParameter(ctx, &ssm.GetParameterInput{
		Name:           aws.String(name),
		WithDecryption: aws.Bool(true),
	})
	if err != nil {
		return "", apperr.Wrap(classify(err), err, "ssm get parameter %s", name)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return "", apperr.E(apperr.Internal, "ssm get parameter %s: no value in the answer", name)
	}
	return *out.Parameter.Value, nil
}

func classify(err error) apperr.Code {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ParameterNotFound", "ParameterVersionNotFound":
			return apperr.NotFound
		case "ValidationException", "InvalidParameters", "ParameterPatternMismatchException":
			return apperr.Invalid
		case "ThrottlingException", "Throttling", "TooManyUpdates", "InternalServerError", "ServiceUnavailable":
			return apperr.Transient
		}
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && (resp.HTTPStatusCode() == 429 || resp.HTTPStatusCode() >= 500) {
		return apperr.Transient
	}
	if api != nil && api.ErrorFault() == smithy.FaultServer {
		return apperr.Transient
	}
	var sendErr *smithyhttp.RequestSendError
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &sendErr) || errors.As(err, &quota) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return apperr.Transient
	}
	return apperr.Internal
}
