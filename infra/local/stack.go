package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/s3store"
	"github.com/leverlink/leverlink/shared/sqsqueue"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// provisionTimeout bounds creating the tables and queues.
const provisionTimeout = time.Minute

// stack is the local stack's resources: the template, the emulator clients,
// and the tables and queues created from the template.
type stack struct {
	Def     stackdef.Stack
	DDB     *dynamodb.Client
	SQS     *sqs.Client
	Tables  dynamo.Tables
	Queues  map[string]string // queue logical id → URL
	S3      *s3.Client
	Buckets map[string]string // bucket logical id → name
}

// provision loads the template for the local stage and creates its tables
// and queues on the emulators (idempotent: a second run reuses them).
func provision(ctx context.Context, s settings, log *slog.Logger) (*stack, error) {
	def, err := stackdef.Load(s.TemplatePath, stage)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, provisionTimeout)
	defer cancel()

	st := &stack{Def: def}
	if st.DDB, err = dynamo.NewClient(ctx, s.DynamoDBEndpoint); err != nil {
		return nil, err
	}
	if st.SQS, err = sqsqueue.NewClient(ctx, s.SQSEndpoint); err != nil {
		return nil, err
	}
	if st.S3, err = s3store.NewClient(ctx, s.S3Endpoint); err != nil {
		return nil, err
	}
	start := time.Now()
	if st.Tables, err = dynamo.CreateTables(ctx, st.DDB, def.Tables, ""); err != nil {
		return nil, fmt.Errorf("create tables on DynamoDB Local at %s: %w", s.DynamoDBEndpoint, err)
	}
	if st.Queues, err = sqsqueue.CreateQueues(ctx, st.SQS, def.Queues, ""); err != nil {
		return nil, fmt.Errorf("create queues on fauxqs at %s: %w", s.SQSEndpoint, err)
	}
	if st.Buckets, err = s3store.CreateBuckets(ctx, st.S3, def.Buckets, ""); err != nil {
		return nil, fmt.Errorf("create buckets on fauxqs at %s: %w", s.S3Endpoint, err)
	}
	tables := make([]string, 0, len(def.Tables))
	for _, t := range def.Tables {
		tables = append(tables, t.Name)
	}
	log.Info("tables and queues ready", "tables", tables, "queues", st.Queues,
		"took_ms", time.Since(start).Milliseconds())
	return st, nil
}

// checks returns the health checks of the emulators, by component name.
func (st *stack) checks() map[string]check {
	return map[string]check{
		"dynamodb": func(ctx context.Context) error {
			_, err := st.DDB.ListTables(ctx, &dynamodb.ListTablesInput{Limit: awsInt32(1)})
			return err
		},
		"sqs": func(ctx context.Context) error { return sqsqueue.Ping(ctx, st.SQS) },
	}
}

func awsInt32(v int32) *int32 { return &v }
