// Command webhook is the leverlink events Lambda function (POST /v1/events,
// HMAC-signed).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/httpapi"
)

func main() {
	a, err := app.Boot(context.Background(), config.Webhook)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink webhook:", err)
		os.Exit(1)
	}
	h := &httpapi.Webhook{Secrets: app.SecretKeys(a.Secrets, a.Config.WebhookSecretParam), Intake: a.Intake, Log: a.Log}
	lambda.Start(app.HTTPFunction(h))
}
