package sqsqueue_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/queue"
	"github.com/leverlink/leverlink/shared/sqsqueue"
	"github.com/leverlink/leverlink/shared/sqsqueue/sqstest"
	"github.com/leverlink/leverlink/shared/stackdef"
	"github.com/leverlink/leverlink/shared/storetest"
)

// The contract suite runs against fauxqs (SQS_ENDPOINT, `make test`), the
// same suite as the in-memory queue's (shared/memstore). Each test gets its
// own copies of the template's queues.

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestQueueContract(t *testing.T) {
	t.Parallel()
	storetest.QueueContract(t, func(t *testing.T) map[string]queue.Queue {
		client, urls := sqstest.New(t)
		out := map[string]queue.Queue{}
		for id, url := range urls {
			out[id] = sqsqueue.New(client, url)
		}
		return out
	})
}

// TestErrorMapping covers what only SQS has: queue URLs and an endpoint;
// storetest.QueueContract covers the errors every queue gives.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	client, urls := sqstest.New(t)
	missing := sqsqueue.New(client, strings.TrimSuffix(urls["RefreshDLQ"], "refresh-dlq")+"no-such-queue")
	tests := []struct {
		name string
		call func(ctx context.Context) error
		want apperr.Code
	}{
		{"send to missing queue", func(ctx context.Context) error { return missing.Enqueue(ctx, "", "", []byte("x")) }, apperr.NotFound},
		{"receive from missing queue", func(ctx context.Context) error { _, err := missing.Receive(ctx, 1, 0, 0); return err }, apperr.NotFound},
		{"depth of missing queue", func(ctx context.Context) error { _, err := missing.Depth(ctx); return err }, apperr.NotFound},
		{"unreachable endpoint", func(ctx context.Context) error {
			c, err := sqsqueue.NewClient(ctx, "http://127.0.0.1:1")
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond) // bounds the SDK's retries
			defer cancel()
			return sqsqueue.New(c, "http://127.0.0.1:1/000000000000/q").Enqueue(ctx, "", "", []byte("x"))
		}, apperr.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(ctxT(t))
			if !apperr.Is(err, tt.want) {
				t.Fatalf("error = %v (code %s), want %s", err, apperr.CodeOf(err), tt.want)
			}
			if !strings.HasPrefix(err.Error(), string(tt.want)) || strings.Contains(err.Error(), `"x"`) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestCreateQueuesIdempotent(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	client, urls := sqstest.New(t)
	st := sqstest.Template(t)
	prefix := strings.TrimSuffix(urls["RefreshDLQ"][strings.LastIndex(urls["RefreshDLQ"], "/")+1:], mustQueue(t, st, "RefreshDLQ").Name)

	again, err := sqsqueue.CreateQueues(ctx, client, st.Queues, prefix)
	if err != nil {
		t.Fatalf("second CreateQueues: %v", err)
	}
	for id, url := range urls {
		if again[id] != url {
			t.Errorf("%s: %s then %s", id, url, again[id])
		}
	}

	// A changed attribute is applied to the existing queue.
	changed := append([]stackdef.Queue(nil), st.Queues...)
	for i := range changed {
		changed[i].VisibilityTimeout += 7
	}
	if _, err := sqsqueue.CreateQueues(ctx, client, changed, prefix); err != nil {
		t.Fatalf("CreateQueues with changed attributes: %v", err)
	}
	for _, q := range changed {
		out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl:       aws.String(urls[q.LogicalID]),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
		})
		if err != nil {
			t.Fatal(err)
		}
		a := out.Attributes
		if a["VisibilityTimeout"] != fmt.Sprint(q.VisibilityTimeout) {
			t.Errorf("%s VisibilityTimeout = %s, want %d", q.LogicalID, a["VisibilityTimeout"], q.VisibilityTimeout)
		}
		if q.FIFO != (a["FifoQueue"] == "true") {
			t.Errorf("%s FifoQueue = %q", q.LogicalID, a["FifoQueue"])
		}
		if q.DeadLetterQueue != "" && !strings.Contains(a["RedrivePolicy"], fmt.Sprintf(`"maxReceiveCount":%d`, q.MaxReceiveCount)) {
			t.Errorf("%s RedrivePolicy = %s", q.LogicalID, a["RedrivePolicy"])
		}
	}
}

func mustQueue(t *testing.T, st stackdef.Stack, id string) stackdef.Queue {
	q, ok := st.Queue(id)
	if !ok {
		t.Fatalf("no %s in the template", id)
	}
	return q
}
