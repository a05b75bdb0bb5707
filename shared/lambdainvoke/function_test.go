package lambdainvoke_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/awsconf"
	"github.com/leverlink/leverlink/shared/lambdainvoke"
)

// TestFunctionRequest checks the request the real SDK sends for
// InvokeAsync: Lambda's Invoke API (POST
// /2015-03-31/functions/{name}/invocations) with InvocationType Event and
// the payload as the body.
func TestFunctionRequest(t *testing.T) {
	var method, path, invocationType, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		method, path, invocationType, body = r.Method, r.URL.EscapedPath(), r.Header.Get("X-Amz-Invocation-Type"), string(b)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	client, err := lambdainvoke.NewClient(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	payload := `{"kind":"postings.refresh","companyIds":["acme"],"requestedAt":"2026-11-30T18:00:00Z"}`
	if err := lambdainvoke.New(client, "leverlink-prod-refresher").InvokeAsync(context.Background(), []byte(payload)); err != nil {
		t.Fatalf("InvokeAsync: %v", err)
	}
	if method != "POST" || path != "/2015-03-31/functions/leverlink-prod-refresher/invocations" || invocationType != "Event" || body != payload {
		t.Errorf("request: %s %s X-Amz-Invocation-Type %q body %s; want POST /2015-03-31/functions/leverlink-prod-refresher/invocations, Event, the payload", method, path, invocationType, body)
	}
}

// TestFunctionErrors checks how Lambda's answers map to apperr codes.
func TestFunctionErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		errTyp string
		want   apperr.Code
	}{
		{"accepted", http.StatusAccepted, "", ""},
		{"throttled", http.StatusTooManyRequests, "TooManyRequestsException", apperr.Transient},
		{"service error", http.StatusInternalServerError, "ServiceException", apperr.Transient},
		{"no such function", http.StatusNotFound, "ResourceNotFoundException", apperr.Internal},
		{"no grant", http.StatusForbidden, "AccessDeniedException", apperr.Internal},
		{"payload too large", http.StatusRequestEntityTooLarge, "RequestTooLargeException", apperr.Invalid},
		{"ran synchronously", http.StatusOK, "", apperr.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.errTyp != "" {
					w.Header().Set("X-Amzn-ErrorType", tt.errTyp)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tt.status)
					_, _ = io.WriteString(w, `{"Type":"User","message":"`+tt.errTyp+`"}`)
					return
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			cfg, err := awsconf.Load(context.Background(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			client := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = &srv.URL; o.RetryMaxAttempts = 1 })
			err = lambdainvoke.New(client, "f").InvokeAsync(context.Background(), []byte(`{}`))
			if got := apperr.CodeOf(err); (tt.want == "" && err != nil) || (tt.want != "" && got != tt.want) {
				t.Errorf("InvokeAsync with a %d %s answer: got %v (%s), want %q", tt.status, tt.errTyp, err, got, tt.want)
			}
		})
	}
}
