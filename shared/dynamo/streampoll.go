package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/leverlink/leverlink/shared/awsconf"
)

// NewStreamsClient returns a DynamoDB Streams client (endpoint as in
// NewClient). For the local stack and tests only: in AWS, Lambda's event
// source mapping reads the streams.
func NewStreamsClient(ctx context.Context, endpoint string) (*dynamodbstreams.Client, error) {
	cfg, err := awsconf.Load(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("dynamo: %w", err)
	}
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// StreamPoller plays Lambda's DynamoDB Streams event source mapping on
// DynamoDB Local: it reads Table's stream from the trim horizon and hands
// each non-empty batch, in order, to Function as Lambda does: the
// events.DynamoDBEvent's JSON. A batch whose invocation fails is handed
// again (the shard waits, as Lambda's retries do) after Wait.
type StreamPoller struct {
	DB       *dynamodb.Client
	Streams  *dynamodbstreams.Client
	Table    string
	Function Invoker
	Wait     time.Duration // between empty reads and after a failure; 500ms when 0
	Log      *slog.Logger
}

// Invoker is a function invoked at the Lambda JSON boundary
// (aws-lambda-go's lambda.Handler).
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// invoke hands batch to p.Function as its JSON.
func (p *StreamPoller) invoke(ctx context.Context, batch events.DynamoDBEvent) error {
	payload, err := json.Marshal(batch)
	if err != nil {
		return err
	}
	_, err = p.Function.Invoke(ctx, payload)
	return err
}

// Run polls until ctx ends. Shards are read parents first (the order
// DescribeStream lists them); a closed shard is dropped once read.
func (p *StreamPoller) Run(ctx context.Context) error {
	wait := p.Wait
	if wait == 0 {
		wait = 500 * time.Millisecond
	}
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	t, err := p.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.Table)})
	if err != nil {
		return storageErr(err, "describe table %s", p.Table)
	}
	arn := aws.ToString(t.Table.LatestStreamArn)
	if arn == "" {
		return fmt.Errorf("dynamo: table %s has no stream", p.Table)
	}
	iters := map[string]*string{} // shard → next iterator
	after := map[string]string{}  // shard → last sequence number handled
	done := map[string]bool{}
	for ctx.Err() == nil {
		ds, err := p.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
		if err != nil {
			log.Warn("describe stream", "table", p.Table, "err", err)
			sleep(ctx, wait)
			continue
		}
		for _, sh := range ds.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if done[id] || iters[id] != nil {
				continue
			}
			in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon}
			if seq := after[id]; seq != "" {
				in.ShardIteratorType, in.SequenceNumber = stypes.ShardIteratorTypeAfterSequenceNumber, aws.String(seq)
			}
			it, err := p.Streams.GetShardIterator(ctx, in)
			if err == nil {
				iters[id] = it.ShardIterator
			}
		}
		idle := true
		for _, sh := range ds.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if done[id] || iters[id] == nil {
				continue
			}
			out, err := p.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iters[id]})
			if err != nil {
				log.Debug("stream read failed", "table", p.Table, "shard", id, "err", err)
				// An expired iterator, or DynamoDB Local's trimmed-data
				// answer to a trim-horizon iterator taken before the
				// first record: take a new one after what was handled.
				var expired *stypes.ExpiredIteratorException
				var trimmed *stypes.TrimmedDataAccessException
				if errors.As(err, &expired) || errors.As(err, &trimmed) {
					delete(iters, id)
				}
				continue
			}
			if len(out.Records) > 0 {
				idle = false
				batch := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(out.Records))}
				for _, r := range out.Records {
					batch.Records = append(batch.Records, toEventRecord(r, arn))
				}
				if err := p.invoke(ctx, batch); err != nil {
					log.Warn("stream batch failed: retrying", "table", p.Table, "records", len(batch.Records), "err", err)
					sleep(ctx, wait)
					continue // same iterator: the batch comes again
				}
				after[id] = aws.ToString(out.Records[len(out.Records)-1].Dynamodb.SequenceNumber)
			}
			if out.NextShardIterator == nil {
				done[id] = true
				delete(iters, id)
				continue
			}
			iters[id] = out.NextShardIterator
		}
		if idle {
			sleep(ctx, wait)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func toEventRecord(r stypes.Record, arn string) events.DynamoDBEventRecord {
	rec := events.DynamoDBEventRecord{
		EventID: aws.ToString(r.EventID), EventName: string(r.EventName), EventSource: "aws:dynamodb",
		EventVersion: aws.ToString(r.EventVersion), AWSRegion: aws.ToString(r.AwsRegion), EventSourceArn: arn,
	}
	if d := r.Dynamodb; d != nil {
		rec.Change = events.DynamoDBStreamRecord{
			Keys: toEventImage(d.Keys), NewImage: toEventImage(d.NewImage), OldImage: toEventImage(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), StreamViewType: string(d.StreamViewType),
			SizeBytes: aws.ToInt64(d.SizeBytes),
		}
		if d.ApproximateCreationDateTime != nil {
			rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return rec
}

func toEventImage(m map[string]stypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = toEventValue(v)
	}
	return out
}

func toEventValue(v stypes.AttributeValue) events.DynamoDBAttributeValue {
	switch x := v.(type) {
	case *stypes.AttributeValueMemberS:
		return events.NewStringAttribute(x.Value)
	case *stypes.AttributeValueMemberN:
		return events.NewNumberAttribute(x.Value)
	case *stypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(x.Value)
	case *stypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(x.Value)
	case *stypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(x.Value)
	case *stypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(x.Value)
	case *stypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(x.Value)
	case *stypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(x.Value))
		for _, e := range x.Value {
			l = append(l, toEventValue(e))
		}
		return events.NewListAttribute(l)
	case *stypes.AttributeValueMemberM:
		m := toEventImage(x.Value)
		if m == nil {
			m = map[string]events.DynamoDBAttributeValue{}
		}
		return events.NewMapAttribute(m)
	}
	return events.NewNullAttribute()
}
