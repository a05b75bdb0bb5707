package s3store_test

import (
	"testing"

	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/s3store"
	"github.com/leverlink/leverlink/shared/s3store/s3test"
	"github.com/leverlink/leverlink/shared/storetest"
)

func TestPayloadsContract(t *testing.T) {
	storetest.PayloadsContract(t, func(t *testing.T) export.Payloads {
		client, names := s3test.New(t)
		return s3store.New(client, names["PayloadBucket"])
	})
}
