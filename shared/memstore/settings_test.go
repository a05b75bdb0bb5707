package memstore_test

import (
	"testing"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo/dynamotest"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/settings"
)

func TestSettingsContract(t *testing.T) {
	t.Parallel()
	dynamotest.SettingsStoreContract(t, func(t *testing.T) (settings.Store, connection.Store) {
		return memstore.NewSettings(), nil
	})
}
