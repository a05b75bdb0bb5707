package ssmparam

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/secret"
)

const secretValue = "s3cr3t-value-never-in-errors"

// fakeSSM answers GetParameter (JSON 1.1 protocol) for a few parameter names.
func fakeSSM(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if got := r.Header.Get("X-Amz-Target"); got != "AmazonSSM.GetParameter" {
			t.Errorf("target = %q", got)
		}
		body, _ := io.ReadAll(r.Body)
		var in struct {
			Name           string
			WithDecryption bool
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Errorf("request body %s: %v", body, err)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fail := func(status int, typ string) {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"__type":%q,"message":"parameter %s: %s"}`, typ, in.Name, typ)
		}
		switch in.Name {
		case "/leverlink/test/token-key":
			if !in.WithDecryption {
				fail(400, "ValidationException") // the test would see Invalid
				return
			}
			fmt.Fprintf(w, `{"Parameter":{"Name":%q,"Type":"SecureString","Value":%q,"Version":3}}`, in.Name, secretValue)
		case "/leverlink/test/throttled":
			fail(400, "ThrottlingException")
		case "/leverlink/test/broken":
			fail(500, "InternalServerError")
		case "/leverlink/test/denied":
			fail(400, "AccessDeniedException")
		case "bad name!":
			fail(400, "ValidationException")
		default:
			fail(400, "ParameterNotFound")
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func testStore(url string) *Store {
	return New(ssm.New(ssm.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("k", "s", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}))
}

func TestGet(t *testing.T) {
	srv, _ := fakeSSM(t)
	store := testStore(srv.URL)
	tests := []struct {
		name     string
		param    string
		want     string
		wantCode apperr.Code
	}{
		{"secure string, decrypted", "/leverlink/test/token-key", secretValue, ""},
		{"missing", "/leverlink/test/nope", "", apperr.NotFound},
		{"throttled", "/leverlink/test/throttled", "", apperr.Transient},
		{"server error", "/leverlink/test/broken", "", apperr.Transient},
		{"access denied", "/leverlink/test/denied", "", apperr.Internal},
		{"malformed name", "bad name!", "", apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.Get(context.Background(), tt.param)
			if tt.wantCode == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Get = %q, %v", got, err)
				}
				return
			}
			if !apperr.Is(err, tt.wantCode) {
				t.Fatalf("error = %v (code %s), want %s", err, apperr.CodeOf(err), tt.wantCode)
			}
			if !strings.Contains(err.Error(), tt.param) || strings.Contains(err.Error(), secretValue) {
				t.Errorf("error %q: want the parameter name and no value", err)
			}
		})
	}
}

func TestNewClientAndUnreachable(t *testing.T) {
	srv, calls := fakeSSM(t)
	ctx := context.Background()
	client, err := NewClient(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var src secret.Source = New(client)
	key, err := secret.AESKey(ctx, src, "/leverlink/test/token-key")
	if err == nil || len(key) != 0 || !apperr.Is(err, apperr.Invalid) || strings.Contains(err.Error(), secretValue) {
		t.Errorf("AESKey over a non-key value = %x, %v; want Invalid without the value", key, err)
	}
	if calls.Load() == 0 {
		t.Error("the endpoint override was not used")
	}

	srv.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = testStore(srv.URL).Get(ctx, "/leverlink/test/token-key")
	if !apperr.Is(err, apperr.Transient) {
		t.Errorf("unreachable SSM: %v (code %s), want Transient", err, apperr.CodeOf(err))
	}
}
