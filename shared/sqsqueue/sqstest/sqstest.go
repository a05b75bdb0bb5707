// Package sqstest gives tests real SQS queues: the queues template.yaml
// declares, created on the emulator at SQS_ENDPOINT (fauxqs, started by
// `make test`) under a prefix unique to each call, and deleted when the test
// ends.
package sqstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/leverlink/leverlink/shared/sqsqueue"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// Stage is the template stage the test queues are named for.
const Stage = "test"

// New returns a client for the emulator at SQS_ENDPOINT and the URLs, by
// logical id (ExportQueue, ExportDLQ, ...), of fresh copies of the
// template's queues. When SQS_ENDPOINT is unset the test fails if it runs
// under the emulators or in CI (LEVERLINK_EMULATORS=1 or CI=true) and is
// skipped otherwise. Region and credentials default to us-east-1 and dummy
// values for the local endpoint.
func New(t testing.TB) (*sqs.Client, map[string]string) {
	t.Helper()
	endpoint := os.Getenv("SQS_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("LEVERLINK_EMULATORS") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("SQS_ENDPOINT not set but the emulators are expected (LEVERLINK_EMULATORS=1 or CI=true)")
		}
		t.Skip("SQS_ENDPOINT not set: run `make test`")
	}
	st := Template(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := sqsqueue.NewClient(ctx, endpoint)
	if err != nil {
		t.Fatalf("sqstest: %v", err)
	}
	prefix := uniquePrefix(t)
	urls, err := sqsqueue.CreateQueues(ctx, client, st.Queues, prefix)
	if err != nil {
		t.Fatalf("sqstest: create queues at %s: %v", endpoint, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, url := range urls {
			_, _ = client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
		}
	})
	return client, urls
}

// Template returns template.yaml (found by walking up from the working
// directory to go.mod) resolved for Stage.
func Template(t testing.TB) stackdef.Stack {
	t.Helper()
	path, err := stackdef.FindTemplateFromWD()
	if err != nil {
		t.Fatalf("sqstest: %v", err)
	}
	st, err := stackdef.Load(path, Stage)
	if err != nil {
		t.Fatalf("sqstest: %v", err)
	}
	return st
}

func uniquePrefix(t testing.TB) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("sqstest: %v", err)
	}
	return "t" + hex.EncodeToString(b) + "-"
}
