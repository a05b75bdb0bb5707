package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/outbox"
)

// CursorPurpose is the HKDF label of the cursor-signing key
// (connection.DeriveKey of the token key; Server.CursorKey).
const CursorPurpose = "leverlink/cursor/v1"

// signCursor wraps a store's page cursor (raw) so that only this API can
// have issued it, for this company and this listing: raw "." HMAC-SHA256
// over (company, listing, raw), both base64url. "" stays "" (no next page).
func signCursor(key []byte, companyID, listing, raw string) string {
	if raw == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(raw)) + "." + base64.RawURLEncoding.EncodeToString(cursorMAC(key, companyID, listing, raw))
}

// openCursor returns the store cursor inside signed. Errors: apperr Invalid
// naming cursor when it was changed, made up, or issued for another company
// or listing.
func openCursor(key []byte, companyID, listing, signed string) (string, error) {
	bad := apperr.InvalidField("cursor", "is not a cursor this API issued for this listing; use nextCursor as returned")
	p, m, ok := strings.Cut(signed, ".")
	if !ok {
		return "", bad
	}
	raw, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, cursorMAC(key, companyID, listing, string(raw))) {
		return "", bad
	}
	return string(raw), nil
}

func cursorMAC(key []byte, companyID, listing, raw string) []byte {
	h := hmac.New(sha256.New, key)
	for _, part := range []string{companyID, listing, raw} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

var (
	processKeyOnce sync.Once
	processKey     []byte
)

// cursorKey is the server's key, or, when none is configured (a Server
// built by hand), a random key of this process: its cursors then work only
// within the process.
func (s *Server) cursorKey() []byte {
	if len(s.CursorKey) > 0 {
		return s.CursorKey
	}
	processKeyOnce.Do(func() {
		processKey = make([]byte, 32)
		_, _ = rand.Read(processKey)
	})
	return processKey
}

// feedListing is the listing name the events feed's cursors are signed for.
const feedListing = "events"

// FeedCursors returns the events feed's cursor codec: the feed's position
// (outbox.EncodeCursor) signed like every page cursor of this API, for one
// company and the events listing, with key (Server.CursorKey; nil - a
// per-process key). A cursor changed, made up or issued for another company
// is apperr Invalid naming the field ("after").
func FeedCursors(key []byte) outbox.CursorCodec { return feedCursors{key: key} }

type feedCursors struct{ key []byte }

func (f feedCursors) k() []byte { return (&Server{CursorKey: f.key}).cursorKey() }

// Encode implements outbox.CursorCodec.
func (f feedCursors) Encode(companyID string, seq int64) string {
	return signCursor(f.k(), companyID, feedListing, outbox.EncodeCursor(seq))
}

// Decode implements outbox.CursorCodec.
func (f feedCursors) Decode(companyID, field, c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := openCursor(f.k(), companyID, feedListing, c)
	if err != nil {
		return 0, apperr.InvalidField(field, "is not a cursor of this company's events feed; pass cursor as returned")
	}
	return outbox.DecodeCursor(field, raw)
}
