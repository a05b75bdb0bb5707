package sqsqueue

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/leverlink/leverlink/shared/apperr"
)

// NewClient returns an SQS client configured from the environment (region,
// credentials) the usual AWS way. A non-empty endpoint (SQS_ENDPOINT, e.g.
// fauxqs at http://127.0.0.1:4566) overrides the service endpoint; for such a
// local endpoint the region defaults to us-east-1 and, when the environment
// names no credentials, dummy static credentials are used.
func NewClient(ctx context.Context, endpoint string) (*sqs.Client, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if endpoint != "" {
		if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			opts = append(opts, awsconfig.WithRegion("us-east-1"))
		}
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
			opts = append(opts, awsconfig.WithCredentialsProvider(
				credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, err, "sqs: load AWS configuration")
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// Ping checks that SQS answers, with the cheapest call there is (list at
// most one queue). Meant for health checks.
func Ping(ctx context.Context, client *sqs.Client) error {
	_, err := client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)})
	return mapErr(err, "list", "queues")
}
