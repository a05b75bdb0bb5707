// Package dynamotest gives tests fresh DynamoDB tables on the DynamoDB
// Local emulator.
//
// New creates the template's tables under a unique prefix per call, so tests
// that run in parallel never share data, and deletes them when the test
// ends. The contract suites the tables are checked with live in
// shared/storetest, shared with the in-memory stores.
package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/stackdef"
)

var (
	clientOnce sync.Once
	client     *dynamodb.Client
	stack      stackdef.Stack
	setupErr   error
)

// New returns a client for the DynamoDB endpoint in DYNAMODB_ENDPOINT and
// the names of freshly created tables (the ones template.yaml declares,
// under a prefix unique to this call), deleted in t.Cleanup.
//
// Without DYNAMODB_ENDPOINT the test is skipped ("run `make test`"), or
// fails when LEVERLINK_EMULATORS=1 or CI=true, where the emulators must run.
// Region and credentials default as awsconf.Load does for a local endpoint.
// Safe to call from parallel tests.
func New(t testing.TB) (*dynamodb.Client, dynamo.Tables) {
	t.Helper()
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("LEVERLINK_EMULATORS") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("dynamotest: DYNAMODB_ENDPOINT not set, but the emulators must run here (LEVERLINK_EMULATORS=1 or CI=true)")
		}
		t.Skip("DYNAMODB_ENDPOINT not set: run `make test`")
	}
	clientOnce.Do(func() { client, stack, setupErr = setup(endpoint) })
	if setupErr != nil {
		t.Fatalf("dynamotest: %v", setupErr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	prefix := "t" + randomHex(6) + "-"
	tables, err := dynamo.CreateTables(ctx, client, stack.Tables, prefix)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, tb := range stack.Tables {
			if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(prefix + tb.Name)}); err != nil {
				t.Logf("dynamotest: delete table %s: %v", prefix+tb.Name, err)
			}
		}
	})
	if err != nil {
		t.Fatalf("dynamotest: create tables: %v", err)
	}
	return client, tables
}

func setup(endpoint string) (*dynamodb.Client, stackdef.Stack, error) {
	path, err := stackdef.FindTemplateFromWD()
	if err != nil {
		return nil, stackdef.Stack{}, err
	}
	st, err := stackdef.Load(path, "test")
	if err != nil {
		return nil, stackdef.Stack{}, err
	}
	c, err := dynamo.NewClient(context.Background(), endpoint)
	return c, st, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
