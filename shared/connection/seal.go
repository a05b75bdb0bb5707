package connection

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/leverlink/leverlink/shared/apperr"
)

// sealVersion prefixes every sealed value so the format (and key) can change.
const sealVersion byte = 1

// Sealer seals and opens Lever tokens with AES-256-GCM; the company id is the
// associated data, so a sealed token copied to another company's item does
// not open. Safe for concurrent use.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for a 32-byte key; any other length is an error.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("connection: token-sealing key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("connection: token-sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("connection: token-sealing key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to companyID. An empty plaintext seals to nil.
func (s *Sealer) Seal(companyID, plaintext string) ([]byte, error) {
	if plaintext == "" {
		return nil, nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, apperr.Wrap(apperr.Internal, err, "seal token")
	}
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, []byte(plaintext), []byte(companyID)), nil
}

// Open decrypts a value sealed for companyID. It returns an apperr Internal
// error with Reason "unseal" when the value was sealed for another company,
// with another key, or was altered; nil opens to "".
func (s *Sealer) Open(companyID string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != sealVersion {
		return "", apperr.Wrap(apperr.Internal, errors.New("bad sealed value"), "open token").WithReason("unseal")
	}
	pt, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(companyID))
	if err != nil {
		return "", apperr.Wrap(apperr.Internal, errors.New("authentication failed"), "open token").WithReason("unseal")
	}
	return string(pt), nil
}
