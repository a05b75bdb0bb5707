package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
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
