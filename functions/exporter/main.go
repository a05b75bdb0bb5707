// Command exporter is the leverlink exporter Lambda function: SQS FIFO
// batches of export and push jobs, with partial batch failures.
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
	a, err := app.Boot(context.Background(), config.Exporter)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leverlink exporter:", err)
		os.Exit(1)
	}
	lambda.Start(a.HandleExportBatch)
}
