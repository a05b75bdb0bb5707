// Command oauth is the leverlink OAuth callback Lambda function
// (GET /oauth/lever/callback).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
)

func main() {
	h, err := app.NewOAuth(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink oauth:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
