package connection

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// DeriveKey derives a 32-byte key for purpose (a fixed label such as
// "leverlink/cursor/v1") from the token key with HKDF-SHA256, so one secret
// serves several uses without one use's key revealing another's. Errors
// only for an empty token key.
func DeriveKey(tokenKey []byte, purpose string) ([]byte, error) {
	if len(tokenKey) == 0 {
		return nil, fmt.Errorf("derive key %s: empty token key", purpose)
	}
	return hkdf.Key(sha256.New, tokenKey, nil, purpose, 32)
}
