// Command oauth is the leverlink oauth Lambda function.
//
// Not implemented yet: its issue replaces this with the real wiring
// (config → clients → handler → lambda.Start).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "leverlink oauth: not implemented yet")
	os.Exit(1)
}
