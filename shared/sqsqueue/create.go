package sqsqueue

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// CreateQueues creates every queue of the template (stackdef.Stack.Queues,
// dead-letter queues first), each named prefix + its template name, with its
// FIFO, ContentBasedDeduplication and VisibilityTimeout attributes and a
// RedrivePolicy to its dead-letter queue's ARN. It is idempotent: a queue
// that exists already is reused and its attributes are brought in line. It
// returns the queue URLs by logical id.
func CreateQueues(ctx context.Context, client *sqs.Client, queues []stackdef.Queue, prefix string) (map[string]string, error) {
	urls := make(map[string]string, len(queues))
	arns := make(map[string]string, len(queues))
	for _, q := range queues {
		name := prefix + q.Name
		attrs := map[string]string{
			string(types.QueueAttributeNameVisibilityTimeout): strconv.Itoa(q.VisibilityTimeout),
		}
		if q.FIFO {
			attrs[string(types.QueueAttributeNameFifoQueue)] = "true"
			attrs[string(types.QueueAttributeNameContentBasedDeduplication)] = strconv.FormatBool(q.ContentBasedDedup)
		}
		if q.DeadLetterQueue != "" {
			dlq, ok := arns[q.DeadLetterQueue]
			if !ok {
				return nil, apperr.E(apperr.Invalid, "sqs: queue %s: dead-letter queue %s is not in the list before it", q.LogicalID, q.DeadLetterQueue)
			}
			policy, err := json.Marshal(struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
				MaxReceiveCount     int    `json:"maxReceiveCount"`
			}{dlq, q.MaxReceiveCount})
			if err != nil {
				return nil, apperr.Wrap(apperr.Internal, err, "sqs: redrive policy of %s", q.LogicalID)
			}
			attrs[string(types.QueueAttributeNameRedrivePolicy)] = string(policy)
		}
		url, err := createQueue(ctx, client, name, attrs)
		if err != nil {
			return nil, err
		}
		out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl:       aws.String(url),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
		})
		if err != nil {
			return nil, mapErr(err, "get ARN of", name)
		}
		urls[q.LogicalID] = url
		arns[q.LogicalID] = out.Attributes[string(types.QueueAttributeNameQueueArn)]
	}
	return urls, nil
}

// createQueue creates the queue, or finds it and sets its attributes when it
// exists with different ones.
func createQueue(ctx context.Context, client *sqs.Client, name string, attrs map[string]string) (string, error) {
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err == nil {
		return aws.ToString(out.QueueUrl), nil
	}
	if err = mapErr(err, "create queue", name); !apperr.Is(err, apperr.Conflict) {
		return "", err
	}
	got, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", mapErr(err, "get URL of", name)
	}
	url := aws.ToString(got.QueueUrl)
	mutable := make(map[string]string, len(attrs))
	for k, v := range attrs {
		if k != string(types.QueueAttributeNameFifoQueue) {
			mutable[k] = v
		}
	}
	if _, err := client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: mutable}); err != nil {
		return "", mapErr(err, "set attributes of", name)
	}
	return url, nil
}
