// Package s3test gives tests the buckets template.yaml declares, created on
// the emulator at S3_ENDPOINT (fauxqs, started by
// infra/emulators/with-emulators.sh) under a fresh prefix.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/leverlink/leverlink/shared/s3store"
	"github.com/leverlink/leverlink/shared/stackdef"
)

// New returns a client for the emulator at S3_ENDPOINT and the names, by
// logical id, of the template's buckets. When S3_ENDPOINT is unset the test
// fails if the emulators are expected (LEVERLINK_EMULATORS=1 or CI=true) and
// is skipped otherwise.
func New(t testing.TB) (*s3.Client, map[string]string) {
	t.Helper()
	endpoint := os.Getenv("S3_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("LEVERLINK_EMULATORS") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("S3_ENDPOINT not set but the emulators are expected (LEVERLINK_EMULATORS=1 or CI=true)")
		}
		t.Skip("S3_ENDPOINT not set: run `make test`")
	}
	path, err := stackdef.FindTemplateFromWD()
	if err != nil {
		t.Fatal(err)
	}
	st, err := stackdef.Load(path, "test")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	client, err := s3store.NewClient(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	names, err := s3store.CreateBuckets(ctx, client, st.Buckets, "t"+hex.EncodeToString(b)+"-")
	if err != nil {
		t.Fatalf("create buckets from %s: %v", filepath.Base(path), err)
	}
	return client, names
}
