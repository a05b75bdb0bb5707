package memstore_test

import (
	"testing"

	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/outbox"
	"github.com/leverlink/leverlink/shared/storetest"
)

func TestOutbox(t *testing.T) {
	t.Parallel()
	storetest.OutboxStoreContract(t, func(*testing.T) outbox.Store { return memstore.NewOutbox() })
}
