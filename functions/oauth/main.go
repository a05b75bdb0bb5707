// Command oauth is the leverlink OAuth callback Lambda function
// (GET /oauth/lever/callback).
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
	a, err := app.Boot(context.Background(), config.OAuth)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink oauth:", err)
		os.Exit(1)
	}
	h := &httpapi.OAuthCallback{Connect: a.Connect, RedirectURL: a.Config.LeverRedirectURL, Log: a.Log}
	lambda.Start(app.HTTPFunction(h))
}
