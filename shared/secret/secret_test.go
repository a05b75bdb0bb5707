package secret

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

const param = "/leverlink/test/api-keys"

func TestStatic(t *testing.T) {
	src := Static{"a": "1"}
	if v, err := src.Get(context.Background(), "a"); err != nil || v != "1" {
		t.Errorf("Get(a) = %q, %v", v, err)
	}
	_, err := src.Get(context.Background(), "b")
	if !apperr.Is(err, apperr.NotFound) || !strings.Contains(err.Error(), "b") {
		t.Errorf("Get(b) error = %v, want NotFound naming b", err)
	}
	var _ Source = src
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []string
	}{
		{"one", "k1", []string{"k1"}},
		{"comma", "k1,k2", []string{"k1", "k2"}},
		{"newline and spaces", " k1 \n k2\r\nk3 ", []string{"k1", "k2", "k3"}},
		{"mixed, empties, repeats", ",k1,,\nk2,k1,\n", []string{"k1", "k2"}},
		{"empty", "", nil},
		{"separators only", " , \n ,", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Keys(context.Background(), Static{param: tt.value}, param)
			if tt.want == nil {
				if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), param) {
					t.Fatalf("error = %v, want Invalid naming %s", err, param)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Keys = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

type failing struct{ err error }

func (f failing) Get(context.Context, string) (string, error) { return "", f.err }

func TestSourceErrorsKeepTheirCode(t *testing.T) {
	cause := apperr.E(apperr.Transient, "throttled")
	for name, call := range map[string]func(Source) error{
		"Keys":   func(s Source) error { _, err := Keys(context.Background(), s, param); return err },
		"AESKey": func(s Source) error { _, err := AESKey(context.Background(), s, param); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := call(failing{cause})
			if !apperr.Is(err, apperr.Transient) || !errors.Is(err, cause) || !strings.Contains(err.Error(), param) {
				t.Errorf("error = %v", err)
			}
			err = call(Static{})
			if !apperr.Is(err, apperr.NotFound) || !strings.Contains(err.Error(), param) {
				t.Errorf("missing parameter error = %v", err)
			}
			err = call(failing{errors.New("boom")})
			if !apperr.Is(err, apperr.Internal) {
				t.Errorf("plain error = %v, want Internal", err)
			}
		})
	}
}

func TestAESKey(t *testing.T) {
	key := bytes.Repeat([]byte{0xfb, 0xff, 0x01}, 11)[:32] // has + and / in base64
	tests := []struct {
		name    string
		value   string
		wantErr string // substring of the error, "" for success
	}{
		{"standard", base64.StdEncoding.EncodeToString(key), ""},
		{"standard with newline", base64.StdEncoding.EncodeToString(key) + "\n", ""},
		{"raw", base64.RawStdEncoding.EncodeToString(key), ""},
		{"url", base64.URLEncoding.EncodeToString(key), ""},
		{"raw url", base64.RawURLEncoding.EncodeToString(key), ""},
		{"16 bytes", base64.StdEncoding.EncodeToString(key[:16]), "decodes to 16 bytes, want 32"},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(key, 1)), "decodes to 33 bytes, want 32"},
		{"not base64", "this-is-not-base64!!this-is-not-base64!!", "is not base64"},
		{"hex", strings.Repeat("ab", 32), "decodes to 48 bytes"},
		{"empty", "", "decodes to 0 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AESKey(context.Background(), Static{"/k": tt.value}, "/k")
			if tt.wantErr == "" {
				if err != nil || !bytes.Equal(got, key) {
					t.Fatalf("AESKey = %x, %v", got, err)
				}
				return
			}
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "/k") {
				t.Fatalf("error = %v, want Invalid naming /k and %q", err, tt.wantErr)
			}
			if v := strings.TrimSpace(tt.value); v != "" && strings.Contains(err.Error(), v) {
				t.Errorf("error %q leaks the value", err)
			}
		})
	}
}
