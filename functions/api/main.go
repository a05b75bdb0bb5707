// Command api is the leverlink management API Lambda function
// (HTTP API /v1/companies/{companyId}/..., bearer keys).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
)

func main() {
	h, err := app.NewAPI(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink api:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
