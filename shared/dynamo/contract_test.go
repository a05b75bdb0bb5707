package dynamo_test

import (
	"context"
	"time"

	"testing"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/dynamo/dynamotest"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/health"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/outbox"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/storetest"
	"github.com/leverlink/leverlink/shared/throttle"
)

// Each port's contract suite, run against DynamoDB Local with fresh tables.

func TestConnections(t *testing.T) {
	t.Parallel()
	storetest.ConnectionStoreContract(t, func(t *testing.T) connection.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewConnections(db, tables)
	})
}

func TestStates(t *testing.T) {
	t.Parallel()
	storetest.StateStoreContract(t, func(t *testing.T) connection.StateStore {
		db, tables := dynamotest.New(t)
		return dynamo.NewStates(db, tables)
	})
}

func TestLinks(t *testing.T) {
	t.Parallel()
	storetest.LinkStoreContract(t, func(t *testing.T) link.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewLinks(db, tables)
	})
}

func TestPostings(t *testing.T) {
	t.Parallel()
	storetest.PostingStoreContract(t, func(t *testing.T) posting.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewPostings(db, tables)
	})
}

func TestRefreshLease(t *testing.T) {
	t.Parallel()
	storetest.RefreshLeaseContract(t, func(t *testing.T) posting.RefreshLease {
		db, tables := dynamotest.New(t)
		return dynamo.NewPostings(db, tables)
	})
}

func TestExports(t *testing.T) {
	t.Parallel()
	storetest.ExportStoreContract(t, func(t *testing.T) export.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewExports(db, tables)
	})
}

func TestExportsRecord(t *testing.T) {
	t.Parallel()
	storetest.RecordContract(t, func(t *testing.T) export.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewExports(db, tables)
	})
}

func TestExportsClaimContaining(t *testing.T) {
	t.Parallel()
	storetest.ClaimContainingContract(t, func(t *testing.T) export.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewExports(db, tables)
	})
}

func TestContactIndex(t *testing.T) {
	t.Parallel()
	storetest.ContactIndexContract(t, func(t *testing.T) export.ContactIndex {
		db, tables := dynamotest.New(t)
		return dynamo.NewExports(db, tables)
	})
}

func TestEvents(t *testing.T) {
	t.Parallel()
	storetest.SeenStoreContract(t, func(t *testing.T) export.SeenStore {
		db, tables := dynamotest.New(t)
		return dynamo.NewEvents(db, tables)
	})
}

func TestBuckets(t *testing.T) {
	t.Parallel()
	storetest.ThrottleStoreContract(t, func(t *testing.T) throttle.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewBuckets(db, tables)
	})
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	storetest.OutboxStoreContract(t, func(t *testing.T) outbox.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewOutbox(db, tables)
	})
}

func TestLeverSync(t *testing.T) {
	t.Parallel()
	storetest.LeverSyncContract(t, func(t *testing.T) storetest.LeverSyncStore {
		db, tables := dynamotest.New(t)
		return dynamo.NewLeverSync(db, tables)
	})
}

func TestDeployment(t *testing.T) {
	t.Parallel()
	storetest.DeploymentStoreContract(t, func(t *testing.T) health.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewDeployment(db, tables)
	})
}

func TestExportsQueue(t *testing.T) {
	t.Parallel()
	storetest.QueuedStateContract(t, func(t *testing.T) export.Store {
		db, tables := dynamotest.New(t)
		return dynamo.NewExports(db, tables)
	})
}

func TestActivityStore(t *testing.T) {
	t.Parallel()
	storetest.ActivityStoreContract(t, func(t *testing.T) storetest.ActivityStore {
		db, tables := dynamotest.New(t)
		return dynamo.NewExports(db, tables)
	})
}

func TestErasureStore(t *testing.T) {
	t.Parallel()
	storetest.ErasureStoreContract(t, func(t *testing.T) storetest.ErasureStore {
		db, tables := dynamotest.New(t)
		return dynamo.NewExports(db, tables)
	})
}

// Two instances (two Lambdas) taking from one bucket alternately: each
// starts from the state it last wrote (no read) only while nobody else
// wrote, so no token is granted twice.
func TestBucketsTwoInstancesShareTheBucket(t *testing.T) {
	t.Parallel()
	db, tables := dynamotest.New(t)
	insts := []*dynamo.Buckets{dynamo.NewBuckets(db, tables), dynamo.NewBuckets(db, tables)}
	b := throttle.Bucket{Rate: 0.001, Burst: 6, MaxWait: time.Millisecond}
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		inst    int
		wantErr bool
	}{{0, false}, {0, false}, {1, false}, {0, false}, {1, false}, {0, false}, {1, true}, {0, true}, {0, true}}
	for i, tt := range tests {
		_, err := throttle.Take(context.Background(), insts[tt.inst], "co-shared", b, now)
		if got := err != nil; got != tt.wantErr {
			t.Fatalf("take %d by instance %d: err %v, want error %v", i, tt.inst, err, tt.wantErr)
		}
	}
}

func TestFacts(t *testing.T) {
	t.Parallel()
	storetest.FactsContract(t, func(t *testing.T) storetest.FactsStores {
		db, tables := dynamotest.New(t)
		return storetest.FactsStores{
			Connections: dynamo.NewConnections(db, tables), Links: dynamo.NewLinks(db, tables),
			Exports: dynamo.NewExports(db, tables), Reader: dynamo.NewFacts(db, tables),
		}
	})
}
