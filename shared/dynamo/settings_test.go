package dynamo_test

import (
	"testing"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/dynamo/dynamotest"
	"github.com/leverlink/leverlink/shared/settings"
	"github.com/leverlink/leverlink/shared/storetest"
)

func TestSettings(t *testing.T) {
	t.Parallel()
	storetest.SettingsStoreContract(t, func(t *testing.T) (settings.Store, connection.Store) {
		db, tables := dynamotest.New(t)
		return dynamo.NewSettings(db, tables), dynamo.NewConnections(db, tables)
	})
}
