package storetest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// PayloadsContract checks an implementation of export.Payloads.
func PayloadsContract(t *testing.T, newStore func(t *testing.T) export.Payloads) {
	store := newStore(t)
	big := []byte(`{"text":"` + strings.Repeat("<é>", 300<<10) + `"}`) // ~1.5 MB, escapes and non-ASCII
	tests := []struct {
		name string
		key  string
		body []byte
	}{
		{"small", "jobs/" + ID("a"), []byte(`{"kind":"export"}`)},
		{"large", "jobs/" + ID("b"), big},
		{"empty body", "jobs/" + ID("c"), []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ctx(t)
			must(t, "Put", store.Put(c, tt.key, tt.body))
			got, err := store.Get(c, tt.key)
			must(t, "Get", err)
			if !bytes.Equal(got, tt.body) {
				t.Fatalf("Get returned %d bytes, want the %d put", len(got), len(tt.body))
			}
			must(t, "Put again", store.Put(c, tt.key, []byte("v2")))
			if got, _ := store.Get(c, tt.key); string(got) != "v2" {
				t.Errorf("after overwrite Get = %q, want v2", got)
			}
		})
	}
	t.Run("missing and empty keys", func(t *testing.T) {
		c := ctx(t)
		_, err := store.Get(c, "jobs/"+ID("missing"))
		wantCode(t, "Get of a missing key", err, apperr.NotFound)
		_, err = store.Get(c, "")
		wantCode(t, "Get of an empty key", err, apperr.Invalid)
		wantCode(t, "Put of an empty key", store.Put(c, "", []byte("x")), apperr.Invalid)
	})
}
