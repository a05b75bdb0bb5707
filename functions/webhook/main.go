// Command webhook is the leverlink events Lambda function (POST /v1/events,
// HMAC-signed).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
)

func main() {
	h, err := app.NewWebhook(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink webhook:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
