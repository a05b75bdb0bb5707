// Package s3store is the Amazon S3 adapter: the payload store of export
// jobs too large for a queue message (the claim-check pattern). It is the
// only package importing the S3 client. Locally it runs against fauxqs's
// S3 emulation through the same SDK (path-style addressing).
package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/awsconf"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// maxObject bounds what Get reads (a job body is far smaller).
const maxObject = 64 << 20

// NewClient returns an S3 client configured from the environment the usual
// AWS way. A non-empty endpoint (S3_ENDPOINT, e.g. fauxqs) overrides the
// service endpoint and turns on path-style addressing, which emulators on
// 127.0.0.1 need.
func NewClient(ctx context.Context, endpoint string) (*s3.Client, error) {
	cfg, err := awsconf.Load(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Emulators send no checksums; do not log about it.
		o.DisableLogOutputChecksumValidationSkipped = true
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	}), nil
}

// Payloads stores export-job payloads as objects of one bucket. The bucket
// encrypts them (SSE) and expires them after a few days (template.yaml).
// Safe for concurrent use.
type Payloads struct {
	client *s3.Client
	bucket string
}

var _ export.Payloads = (*Payloads)(nil)

// New returns the payload store on bucket.
func New(client *s3.Client, bucket string) *Payloads {
	return &Payloads{client: client, bucket: bucket}
}

// Put stores body under key (overwriting). Errors: apperr Invalid for an
// empty key, Transient when S3 is unavailable or refuses.
func (p *Payloads) Put(ctx context.Context, key string, body []byte) error {
	if key == "" {
		return apperr.InvalidField("key", "is required")
	}
	_, err := p.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(p.bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/json"),
	})
	return mapErr(err, "put", key)
}

// Get returns the body stored under key. Errors: apperr NotFound when there
// is none (never stored, or expired), Transient when S3 is unavailable.
func (p *Payloads) Get(ctx context.Context, key string) ([]byte, error) {
	if key == "" {
		return nil, apperr.InvalidField("key", "is required")
	}
	out, err := p.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, mapErr(err, "get", key)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, maxObject))
	if err != nil {
		return nil, apperr.Wrap(apperr.Transient, err, "s3 read %s", key)
	}
	return b, nil
}

// DeletePrefix deletes every object whose key starts with prefix and
// returns how many it deleted. Errors: apperr Invalid for an empty prefix
// (never the whole bucket), Transient when S3 is unavailable (some may be
// deleted: call again).
func (p *Payloads) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if prefix == "" {
		return 0, apperr.InvalidField("prefix", "is required")
	}
	n := 0
	var token *string
	for {
		page, err := p.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(p.bucket), Prefix: aws.String(prefix), ContinuationToken: token})
		if err != nil {
			return n, mapErr(err, "list", prefix)
		}
		for _, o := range page.Contents {
			if _, err := p.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(p.bucket), Key: o.Key}); err != nil {
				if e := mapErr(err, "delete", aws.ToString(o.Key)); !apperr.Is(e, apperr.NotFound) {
					return n, e
				}
				continue
			}
			n++
		}
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			return n, nil
		}
		token = page.NextContinuationToken
	}
}

// CreateBucket creates the bucket (for the local stack and the tests; in
// AWS the template does). An existing bucket is not an error.
func CreateBucket(ctx context.Context, client *s3.Client, bucket string) error {
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	var owned *types.BucketAlreadyOwnedByYou
	var exists *types.BucketAlreadyExists
	if err == nil || errors.As(err, &owned) || errors.As(err, &exists) {
		return nil
	}
	return mapErr(err, "create bucket", bucket)
}

// mapErr turns an SDK error into an apperr: a missing key or bucket is
// NotFound, anything else Transient (S3 trouble is worth a retry; the
// message names the operation and key, never the content).
func mapErr(err error, op, key string) error {
	if err == nil {
		return nil
	}
	var nsk *types.NoSuchKey
	var nb *types.NoSuchBucket
	var api smithy.APIError
	if errors.As(err, &nsk) || errors.As(err, &nb) || (errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound")) {
		return apperr.Wrap(apperr.NotFound, err, "s3 %s %s: no such object", op, key)
	}
	return apperr.Wrap(apperr.Transient, err, "s3 %s %s", op, key)
}

// CreateBuckets creates the buckets the template declares
// (stackdef.Stack.Buckets), named prefix+Name in lower case, for the local
// stack and the tests; it returns their names by logical id. Existing
// buckets are reused.
func CreateBuckets(ctx context.Context, client *s3.Client, buckets []stackdef.Bucket, prefix string) (map[string]string, error) {
	names := map[string]string{}
	for _, b := range buckets {
		name := strings.ToLower(prefix + b.Name)
		if err := CreateBucket(ctx, client, name); err != nil {
			return nil, err
		}
		names[b.LogicalID] = name
	}
	return names, nil
}
