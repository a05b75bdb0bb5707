// Package memstore holds in-memory implementations of every storage port of
// leverlink: connections and OAuth states (connection), links (link), the
// postings cache, its refresh lease and oversized content (posting; and
// Announcements, the recorder of posting changes), export markers and the
// LinkedIn contact index (export), seen events (export.SeenStore), token
// buckets (throttle), queues (queue), company settings (settings) and
// Lever sync-back's states and records (leversync; erasure.LeverStates).
//
// They pass the same contract suites (shared/storetest) as the DynamoDB and
// SQS adapters, so domain tests can run on them without emulators, in one
// process. Nothing is persisted. Every type is safe for concurrent use: one
// mutex per store serialises its operations, which makes each operation
// atomic (the conditional writes of DynamoDB become plain checks under the
// lock). Values are copied in and out, so callers never share memory with
// the store.
package memstore

import (
	"encoding/base64"

	"github.com/leverlink/leverlink/shared/apperr"
)

// requireID returns apperr Invalid naming field when v is empty, as the
// adapters do.
func requireID(field, v string) error {
	if v == "" {
		return apperr.InvalidField(field, "%s is required", field)
	}
	return nil
}

// encodeCursor makes an opaque page cursor from b.
func encodeCursor(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// decodeCursor reverses encodeCursor: apperr Invalid naming "cursor" when
// c was not made by it.
func decodeCursor(c string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		return nil, apperr.InvalidField("cursor", "malformed cursor")
	}
	return b, nil
}
