// Package lambdahandler holds the Lambda handlers: it turns the events Lambda
// delivers (API Gateway HTTP API requests, SQS batches, the refresh
// schedule) into calls on the services, with partial batch failures. It
// decides nothing itself; shared/app builds one handler per function.
package lambdahandler

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// HTTPFunc is the Lambda handler of an HTTP API (payload format 2.0)
// function.
type HTTPFunc = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// withRequestID copies the API Gateway request id into X-Request-Id, where
// the HTTP handlers read it, so every log line of a request carries it.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RequestID != "" {
			r.Header.Set("X-Request-Id", rc.RequestID)
		}
		h.ServeHTTP(w, r)
	})
}

// HTTP turns an http.Handler into the Lambda handler of an HTTP API
// (payload format 2.0) function.
func HTTP(h http.Handler) HTTPFunc {
	return httpadapter.NewV2(withRequestID(h)).ProxyWithContext
}
