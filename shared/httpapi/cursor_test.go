package httpapi

import (
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestCursorSignedForItsListing(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	signed := signCursor(key, "acme", "exports/failed", "raw-cursor")
	if raw, err := openCursor(key, "acme", "exports/failed", signed); err != nil || raw != "raw-cursor" {
		t.Fatalf("round trip: %q %v", raw, err)
	}
	if signCursor(key, "acme", "exports/failed", "") != "" {
		t.Error("no next page must stay empty")
	}
	tampered := signed[:len(signed)-2] + "AA"
	for name, tt := range map[string]struct{ key, company, listing, cursor string }{
		"other company": {string(key), "globex", "exports/failed", signed},
		"other listing": {string(key), "acme", "exports/skipped", signed},
		"other key":     {"another key of thirty-two bytes!", "acme", "exports/failed", signed},
		"tampered":      {string(key), "acme", "exports/failed", tampered},
		"no signature":  {string(key), "acme", "exports/failed", "cmF3"},
	} {
		_, err := openCursor([]byte(tt.key), tt.company, tt.listing, tt.cursor)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "cursor" {
			t.Errorf("%s: got %v, want invalid cursor", name, err)
		}
	}
}
