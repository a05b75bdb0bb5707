package memstore_test

import (
	"testing"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/health"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/queue"
	"github.com/leverlink/leverlink/shared/storetest"
	"github.com/leverlink/leverlink/shared/throttle"
)

// Each port's contract suite, the same as the DynamoDB adapter's
// (shared/dynamo/contract_test.go), run against the memory stores.

func TestConnections(t *testing.T) {
	t.Parallel()
	storetest.ConnectionStoreContract(t, func(*testing.T) connection.Store { return memstore.NewConnections() })
}

func TestStates(t *testing.T) {
	t.Parallel()
	storetest.StateStoreContract(t, func(*testing.T) connection.StateStore { return memstore.NewStates() })
}

func TestLinks(t *testing.T) {
	t.Parallel()
	storetest.LinkStoreContract(t, func(*testing.T) link.Store { return memstore.NewLinks() })
}

func TestPostings(t *testing.T) {
	t.Parallel()
	storetest.PostingStoreContract(t, func(*testing.T) posting.Store { return memstore.NewPostings() })
}

func TestPostingContents(t *testing.T) {
	t.Parallel()
	storetest.PostingContentContract(t, func(*testing.T) posting.ContentStore { return memstore.NewPostingContents() })
}

func TestRefreshLease(t *testing.T) {
	t.Parallel()
	storetest.RefreshLeaseContract(t, func(*testing.T) posting.RefreshLease { return memstore.NewPostings() })
}

func TestExports(t *testing.T) {
	t.Parallel()
	storetest.ExportStoreContract(t, func(*testing.T) export.Store { return memstore.NewExports() })
}

func TestExportsRecord(t *testing.T) {
	t.Parallel()
	storetest.RecordContract(t, func(*testing.T) export.Store { return memstore.NewExports() })
}

func TestExportsClaimContaining(t *testing.T) {
	t.Parallel()
	storetest.ClaimContainingContract(t, func(*testing.T) export.Store { return memstore.NewExports() })
}

func TestContactIndex(t *testing.T) {
	t.Parallel()
	storetest.ContactIndexContract(t, func(*testing.T) export.ContactIndex { return memstore.NewExports() })
}

func TestEvents(t *testing.T) {
	t.Parallel()
	storetest.SeenStoreContract(t, func(*testing.T) export.SeenStore { return memstore.NewEvents() })
}

func TestBuckets(t *testing.T) {
	t.Parallel()
	storetest.ThrottleStoreContract(t, func(*testing.T) throttle.Store { return memstore.NewBuckets() })
}

func TestQueues(t *testing.T) {
	t.Parallel()
	defs := storetest.Template(t).Queues
	storetest.QueueContract(t, func(*testing.T) map[string]queue.Queue {
		out := map[string]queue.Queue{}
		for id, q := range memstore.NewQueues(defs) {
			out[id] = q
		}
		return out
	})
}

func TestDeployment(t *testing.T) {
	t.Parallel()
	storetest.DeploymentStoreContract(t, func(*testing.T) health.Store { return memstore.NewDeployment() })
}

func TestExportsQueue(t *testing.T) {
	t.Parallel()
	storetest.QueuedStateContract(t, func(*testing.T) export.Store { return memstore.NewExports() })
}

func TestActivityStore(t *testing.T) {
	t.Parallel()
	storetest.ActivityStoreContract(t, func(*testing.T) storetest.ActivityStore { return memstore.NewExports() })
}

func TestPayloads(t *testing.T) {
	t.Parallel()
	storetest.PayloadsContract(t, func(*testing.T) export.Payloads { return memstore.NewPayloads() })
}

func TestErasureStore(t *testing.T) {
	t.Parallel()
	storetest.ErasureStoreContract(t, func(*testing.T) storetest.ErasureStore { return memstore.NewExports() })
}

func TestFacts(t *testing.T) {
	t.Parallel()
	storetest.FactsContract(t, func(*testing.T) storetest.FactsStores {
		c, l, e := memstore.NewConnections(), memstore.NewLinks(), memstore.NewExports()
		return storetest.FactsStores{Connections: c, Links: l, Exports: e, Reader: memstore.NewFacts(c, l, e)}
	})
}

func TestLeverSync(t *testing.T) {
	t.Parallel()
	storetest.LeverSyncContract(t, func(*testing.T) storetest.LeverSyncStore { return memstore.NewLeverSync() })
}
