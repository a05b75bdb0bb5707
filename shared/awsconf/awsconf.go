// Package awsconf loads the AWS configuration the adapters (shared/dynamo,
// shared/sqsqueue, shared/ssmparam) build their clients from, with the
// defaults a local endpoint (an emulator or a fake) needs.
package awsconf

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Load returns the configuration from the environment (region, credentials)
// the usual AWS way. When endpoint is not empty (a local emulator or fake),
// the region defaults to us-east-1 and, when the environment names no
// credentials, dummy static credentials are used. Errors are apperr Internal.
func Load(ctx context.Context, endpoint string) (aws.Config, error) {
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
		return aws.Config{}, apperr.Wrap(apperr.Internal, err, "load AWS configuration")
	}
	return cfg, nil
}
