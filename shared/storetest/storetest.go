// Package storetest holds the contract suites of the storage ports: the
// behaviour every implementation of a port must have. Each XxxContract takes
// a constructor, so the same suite runs against the DynamoDB adapter (on
// DynamoDB Local, from shared/dynamo's tests), the SQS adapter (on fauxqs)
// and the in-memory stores of shared/memstore (plain `go test -short`).
//
// The package imports no AWS SDK: it sees the stores only through their
// ports. Suites run their subtests in parallel against one store, so they
// use random ids (ID) and never assume an empty store.
package storetest

import (
	"crypto/rand"
	"encoding/hex"
)

// ID returns a random id with the given prefix, for test data that must not
// collide with other tests sharing a store.
func ID(prefix string) string { return prefix + "-" + randomHex(6) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
