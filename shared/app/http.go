package app

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

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

// HTTPFunction turns an http.Handler into the Lambda handler of an HTTP API
// (payload format 2.0) function.
func HTTPFunction(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return httpadapter.NewV2(withRequestID(h)).ProxyWithContext
}
