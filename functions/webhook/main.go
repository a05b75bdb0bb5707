// Command webhook is the leverlink webhook Lambda function.
//
// Not implemented yet: its issue replaces this with the real wiring
// (config → clients → handler → lambda.Start).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "leverlink webhook: not implemented yet")
	os.Exit(1)
}
