package connection

import (
	"bytes"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestSealer(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	sealed, err := s.Seal("acme", "refresh-token-value")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("refresh-token-value")) {
		t.Fatal("sealed value contains the plaintext")
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name    string
		s       *Sealer
		company string
		sealed  []byte
		want    string
		wantErr bool
	}{
		{"round trip", s, "acme", sealed, "refresh-token-value", false},
		{"other company", s, "globex", sealed, "", true},
		{"other key", other, "acme", sealed, "", true},
		{"tampered", s, "acme", tampered, "", true},
		{"empty", s, "acme", nil, "", false},
		{"garbage", s, "acme", []byte{1, 2, 3}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Open(tt.company, tt.sealed)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && apperr.ReasonOf(err) != "unseal" {
				t.Errorf("reason = %q, want unseal", apperr.ReasonOf(err))
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := NewSealer([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
	a, _ := s.Seal("acme", "x")
	b, _ := s.Seal("acme", "x")
	if bytes.Equal(a, b) {
		t.Error("two seals of one value are equal: nonce reused")
	}
}
