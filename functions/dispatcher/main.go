// Command dispatcher is the leverlink outbound events Lambda function: the
// tables' change streams become events in the per-company feed, delivered
// to the vendor's endpoint; the schedule retries failed deliveries.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
)

func main() {
	h, err := app.NewDispatcher(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink dispatcher:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
