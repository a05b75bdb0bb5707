// Command exporter is the leverlink exporter Lambda function: SQS FIFO
// batches of export and push jobs, with partial batch failures.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leverlink/leverlink/shared/app"
)

func main() {
	h, err := app.NewExporter(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink exporter:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
