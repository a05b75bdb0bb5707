// Command api is the leverlink management API Lambda function
// (HTTP API /v1/companies/{companyId}/..., bearer keys).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
	"github.com/leverlink/leverlink/shared/config"
)

func main() {
	a, err := app.Boot(context.Background(), config.API)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink api:", err)
		os.Exit(1)
	}
	h := a.API(app.SecretKeys(a.Secrets, a.Config.APIKeysParam)).Handler()
	lambda.Start(app.HTTPFunction(h))
}
