package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/leverlink/leverlink/shared/stackdef"
)

// stage is the template stage the local stack names its resources for.
const stage = "local"

// settings are the local stack's knobs, all from the environment.
type settings struct {
	Addr             string // host:port to listen on
	TemplatePath     string
	DynamoDBEndpoint string
	SQSEndpoint      string
	S3Endpoint       string // fauxqs's S3 (with-emulators.sh sets it; SQS_ENDPOINT when unset)
}

// loadSettings reads LEVERLINK_PORT (default 8080), LEVERLINK_TEMPLATE
// (default: template.yaml beside go.mod, found from the working directory),
// DYNAMODB_ENDPOINT and SQS_ENDPOINT (both required: with-emulators.sh sets
// them). The error names every problem.
func loadSettings(getenv func(string) string) (settings, error) {
	var problems []string
	s := settings{
		DynamoDBEndpoint: strings.TrimSpace(getenv("DYNAMODB_ENDPOINT")),
		SQSEndpoint:      strings.TrimSpace(getenv("SQS_ENDPOINT")),
		S3Endpoint:       strings.TrimSpace(getenv("S3_ENDPOINT")),
		TemplatePath:     strings.TrimSpace(getenv("LEVERLINK_TEMPLATE")),
	}
	if s.S3Endpoint == "" {
		s.S3Endpoint = s.SQSEndpoint // fauxqs serves both
	}
	port := strings.TrimSpace(getenv("LEVERLINK_PORT"))
	if port == "" {
		port = "8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		problems = append(problems, fmt.Sprintf("LEVERLINK_PORT %q is not a port number", port))
	}
	s.Addr = net.JoinHostPort("127.0.0.1", port)
	for name, v := range map[string]string{"DYNAMODB_ENDPOINT": s.DynamoDBEndpoint, "SQS_ENDPOINT": s.SQSEndpoint} {
		if v == "" {
			problems = append(problems, name+" is not set (start the stack with `make run`, which starts the emulators)")
		}
	}
	if s.TemplatePath == "" {
		wd, err := os.Getwd()
		if err == nil {
			s.TemplatePath, err = stackdef.FindTemplate(wd)
		}
		if err != nil {
			problems = append(problems, err.Error()+" (run from the checkout or set LEVERLINK_TEMPLATE)")
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return s, errors.New(strings.Join(problems, "; "))
	}
	return s, nil
}
