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
	t.Run("delete by prefix", func(t *testing.T) {
		c := ctx(t)
		a, b := "jobs/"+ID("pa")+"/", "jobs/"+ID("pb")+"/"
		for _, k := range []string{a + "1", a + "2", b + "1"} {
			must(t, "Put "+k, store.Put(c, k, []byte(k)))
		}
		n, err := store.DeletePrefix(c, a)
		must(t, "DeletePrefix", err)
		if n != 2 {
			t.Errorf("DeletePrefix deleted %d, want 2", n)
		}
		for _, k := range []string{a + "1", a + "2"} {
			_, err := store.Get(c, k)
			wantCode(t, "Get of a deleted key", err, apperr.NotFound)
		}
		if got, err := store.Get(c, b+"1"); err != nil || string(got) != b+"1" {
			t.Errorf("another prefix's key: %q, %v, want kept", got, err)
		}
		if n, err := store.DeletePrefix(c, a); err != nil || n != 0 {
			t.Errorf("DeletePrefix again = %d, %v, want 0, nil", n, err)
		}
		_, err = store.DeletePrefix(c, "")
		wantCode(t, "DeletePrefix of an empty prefix", err, apperr.Invalid)
	})
	t.Run("missing and empty keys", func(t *testing.T) {
		c := ctx(t)
		_, err := store.Get(c, "jobs/"+ID("missing"))
		wantCode(t, "Get of a missing key", err, apperr.NotFound)
		_, err = store.Get(c, "")
		wantCode(t, "Get of an empty key", err, apperr.Invalid)
		wantCode(t, "Put of an empty key", store.Put(c, "", []byte("x")), apperr.Invalid)
	})
}
