// Command refresher is the leverlink postings refresher Lambda function:
// the schedule fans out refresh requests (asynchronous invocations of this
// function), and each request refreshes its companies.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
)

func main() {
	h, err := app.NewRefresher(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink refresher:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
