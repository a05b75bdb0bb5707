package memstore_test

import (
	"testing"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/settings"
	"github.com/leverlink/leverlink/shared/storetest"
)

func TestSettingsContract(t *testing.T) {
	t.Parallel()
	storetest.SettingsStoreContract(t, func(t *testing.T) (settings.Store, connection.Store) {
		return memstore.NewSettings(), nil
	})
}
