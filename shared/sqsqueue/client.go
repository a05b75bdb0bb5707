package sqsqueue

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/leverlink/leverlink/shared/awsconf"
)

// NewClient returns an SQS client configured from the environment (region,
// credentials) the usual AWS way. A non-empty endpoint (SQS_ENDPOINT, e.g.
// fauxqs at http://127.0.0.1:4566) overrides the service endpoint; for such a
// local endpoint the region defaults to us-east-1 and, when the environment
// names no credentials, dummy static credentials are used.
func NewClient(ctx context.Context, endpoint string) (*sqs.Client, error) {
	cfg, err := awsconf.Load(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("sqs: %w", err)
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
