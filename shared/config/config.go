// Package config loads every function's configuration from the environment,
// in one place. Load fails fast with an error naming each missing or
// malformed variable; Vars lists what a function reads, so the template test
// can check that template.yaml sets all of it.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Function names a deployable function.
type Function string

// The functions (DESIGN §1, and the dispatcher of outbound events).
const (
	API        Function = "api"
	Webhook    Function = "webhook"
	OAuth      Function = "oauth"
	Exporter   Function = "exporter"
	Refresher  Function = "refresher"
	Dispatcher Function = "dispatcher"
)

// Functions lists every function.
var Functions = []Function{API, Webhook, OAuth, Exporter, Refresher, Dispatcher}

// Config is the union of what the functions read. Secrets are not here: only
// the names of the SSM parameters that hold them (see shared/secret).
type Config struct {
	Function Function

	// Local endpoints (empty in AWS).
	DynamoDBEndpoint string
	SQSEndpoint      string
	SSMEndpoint      string
	S3Endpoint       string

	ConnectionsTable string
	LinksTable       string
	ExportsTable     string
	EventsTable      string
	OutboxTable      string
	ExportQueueURL   string
	PayloadBucket    string // large export-job payloads (claim check)
	// RefreshFunctionName is the refresher function (a name or an ARN),
	// invoked asynchronously with refresh requests.
	RefreshFunctionName string

	LeverClientID          string
	LeverClientSecretParam string
	LeverRedirectURL       string // "" - derived per request from the HTTP API's domain
	LeverAuthBaseURL       string // override of both environments' auth host (fake Lever)
	LeverAPIBaseURL        string // override of both environments' API base (fake Lever)
	// LeverRedirectHosts are extra hosts Lever's redirects may lead to.
	// Not read from the environment: production follows redirects to
	// lever.co hosts only; the local stack and tests set it for the fake's
	// region account.
	LeverRedirectHosts []string

	APIKeysParam       string
	WebhookSecretParam string
	TokenKeyParam      string

	// LeverWebhookURL is the public URL of POST /v1/lever-webhooks (the
	// company id is appended) where Lever's webhooks are registered; "" -
	// no webhooks, the refresher's poll alone tells what changed in Lever.
	LeverWebhookURL string

	VendorEventsURL         string // "" - no pushes, the feed alone
	VendorEventsSecretParam string

	MarketplaceName      string
	AllowedReturnOrigins []string
	ResumeAllowedHosts   []string
	LeverNoPKCE          bool    // LEVER_PKCE=off: no PKCE on the OAuth flow (Lever does not document it)
	LeverRateLimit       float64 // tokens per second per company
	LeverBurst           int
	// ExportMaxReceives is the export queue's maxReceiveCount (its redrive
	// policy in template.yaml): on that delivery a job that still cannot
	// run is recorded failed retries_exhausted instead of dead-lettered.
	ExportMaxReceives int
	EventTTL          time.Duration
}

// spec describes one variable: which functions read it, whether it is
// required, and how to set the field.
type spec struct {
	name     string
	fns      []Function
	required bool
	def      string
	set      func(c *Config, v string) error
}

func str(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *dst(c) = v; return nil }
}

func list(dst func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		*dst(c) = out
		return nil
	}
}

// lambdaFunction is a Lambda function name, or its ARN (Lambda API
// reference, Invoke: FunctionName).
var lambdaFunction = regexp.MustCompile(`^(arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[A-Za-z0-9_-]{1,64}$`)

func functionName(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if !lambdaFunction.MatchString(v) {
			return errors.New("must be a Lambda function name (letters, digits, - and _, at most 64) or its ARN")
		}
		*dst(c) = v
		return nil
	}
}

func absURL(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return errors.New("must be an absolute URL")
		}
		*dst(c) = strings.TrimRight(v, "/")
		return nil
	}
}

var all = Functions

var specs = []spec{
	{name: "DYNAMODB_ENDPOINT", fns: all, set: absURL(func(c *Config) *string { return &c.DynamoDBEndpoint })},
	{name: "SQS_ENDPOINT", fns: all, set: absURL(func(c *Config) *string { return &c.SQSEndpoint })},
	{name: "SSM_ENDPOINT", fns: all, set: absURL(func(c *Config) *string { return &c.SSMEndpoint })},
	{name: "S3_ENDPOINT", fns: all, set: absURL(func(c *Config) *string { return &c.S3Endpoint })},

	{name: "CONNECTIONS_TABLE", fns: all, required: true, set: str(func(c *Config) *string { return &c.ConnectionsTable })},
	{name: "LINKS_TABLE", fns: all, required: true, set: str(func(c *Config) *string { return &c.LinksTable })},
	{name: "EXPORTS_TABLE", fns: all, required: true, set: str(func(c *Config) *string { return &c.ExportsTable })},
	{name: "EVENTS_TABLE", fns: []Function{API, Webhook, OAuth}, required: true, set: str(func(c *Config) *string { return &c.EventsTable })},
	{name: "OUTBOX_TABLE", fns: []Function{API, Dispatcher}, required: true, set: str(func(c *Config) *string { return &c.OutboxTable })},
	// Optional: empty means no pushes; the feed alone works.
	{name: "VENDOR_EVENTS_URL", fns: []Function{API, Dispatcher}, set: absURL(func(c *Config) *string { return &c.VendorEventsURL })},
	{name: "VENDOR_EVENTS_SECRET_PARAM", fns: []Function{Dispatcher}, required: true, set: str(func(c *Config) *string { return &c.VendorEventsSecretParam })},
	{name: "EXPORT_QUEUE_URL", fns: []Function{API, Webhook, Exporter}, required: true, set: absURL(func(c *Config) *string { return &c.ExportQueueURL })},
	{name: "PAYLOAD_BUCKET", fns: []Function{API, Webhook, Exporter}, required: true, set: str(func(c *Config) *string { return &c.PayloadBucket })},
	// Refresh requests: the oauth function's first refresh of a company,
	// the refresher's fan-out (asynchronous invocations).
	{name: "REFRESH_FUNCTION_NAME", fns: []Function{OAuth, Refresher}, required: true, set: functionName(func(c *Config) *string { return &c.RefreshFunctionName })},

	{name: "LEVER_CLIENT_ID", fns: []Function{API, Webhook, OAuth, Exporter, Refresher}, required: true, set: str(func(c *Config) *string { return &c.LeverClientID })},
	{name: "LEVER_CLIENT_SECRET_PARAM", fns: []Function{API, Webhook, OAuth, Exporter, Refresher}, required: true, set: str(func(c *Config) *string { return &c.LeverClientSecretParam })},
	// Optional: empty means the callback URL is derived from the HTTP API
	// request being served (httpapi.CallbackURL), so one deploy suffices.
	{name: "LEVER_REDIRECT_URL", fns: []Function{API, OAuth}, set: absURL(func(c *Config) *string { return &c.LeverRedirectURL })},
	{name: "LEVER_AUTH_BASE_URL", fns: []Function{API, Webhook, OAuth, Exporter, Refresher}, set: absURL(func(c *Config) *string { return &c.LeverAuthBaseURL })},
	{name: "LEVER_API_BASE_URL", fns: []Function{API, Webhook, OAuth, Exporter, Refresher}, set: absURL(func(c *Config) *string { return &c.LeverAPIBaseURL })},

	// Optional: empty means no Lever webhooks (the poll alone).
	{name: "LEVER_WEBHOOK_URL", fns: []Function{Refresher}, set: absURL(func(c *Config) *string { return &c.LeverWebhookURL })},

	{name: "API_KEYS_PARAM", fns: []Function{API}, required: true, set: str(func(c *Config) *string { return &c.APIKeysParam })},
	{name: "WEBHOOK_SECRET_PARAM", fns: []Function{Webhook}, required: true, set: str(func(c *Config) *string { return &c.WebhookSecretParam })},
	{name: "TOKEN_KEY_PARAM", fns: []Function{API, Webhook, OAuth, Exporter, Refresher}, required: true, set: str(func(c *Config) *string { return &c.TokenKeyParam })},

	{name: "MARKETPLACE_NAME", fns: []Function{API, Exporter}, required: true, set: str(func(c *Config) *string { return &c.MarketplaceName })},
	{name: "ALLOWED_RETURN_ORIGINS", fns: []Function{API, OAuth}, required: true, set: list(func(c *Config) *[]string { return &c.AllowedReturnOrigins })},
	{name: "LEVER_PKCE", fns: []Function{API, OAuth}, def: "on", set: func(c *Config, v string) error {
		switch v {
		case "on":
			c.LeverNoPKCE = false
		case "off":
			c.LeverNoPKCE = true
		default:
			return errors.New("must be on or off")
		}
		return nil
	}},
	{name: "RESUME_ALLOWED_HOSTS", fns: []Function{API, Webhook, Exporter}, set: list(func(c *Config) *[]string { return &c.ResumeAllowedHosts })},
	{name: "LEVER_RATE_LIMIT", fns: []Function{API, Webhook, Exporter, Refresher}, def: "9.5", set: func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 10 {
			return errors.New("must be a number in (0, 10]")
		}
		c.LeverRateLimit = f
		return nil
	}},
	{name: "EXPORT_MAX_RECEIVE_COUNT", fns: []Function{Exporter}, required: true, set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errors.New("must be an integer in [1, 1000] (SQS's maxReceiveCount)")
		}
		c.ExportMaxReceives = n
		return nil
	}},
	{name: "LEVER_BURST", fns: []Function{API, Webhook, Exporter, Refresher}, def: "19", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 20 {
			return errors.New("must be an integer in [1, 20]")
		}
		c.LeverBurst = n
		return nil
	}},
	{name: "EVENT_TTL", fns: []Function{Webhook}, def: "72h", set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("must be a positive duration such as 72h")
		}
		c.EventTTL = d
		return nil
	}},
}

func reads(s spec, fn Function) bool {
	for _, f := range s.fns {
		if f == fn {
			return true
		}
	}
	return false
}

// Vars returns the environment variables fn reads, sorted; required ones
// are those Load fails without.
func Vars(fn Function) (required, optional []string) {
	for _, s := range specs {
		if !reads(s, fn) {
			continue
		}
		if s.required {
			required = append(required, s.name)
		} else {
			optional = append(optional, s.name)
		}
	}
	sort.Strings(required)
	sort.Strings(optional)
	return required, optional
}

// Load reads fn's configuration through getenv (os.Getenv when nil). The
// error lists every missing or malformed variable by name.
func Load(fn Function, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{Function: fn}
	var problems []string
	known := false
	for _, f := range Functions {
		known = known || f == fn
	}
	if !known {
		return c, fmt.Errorf("config: unknown function %q", fn)
	}
	for _, s := range specs {
		if !reads(s, fn) {
			continue
		}
		v := strings.TrimSpace(getenv(s.name))
		if v == "" {
			v = s.def
		}
		if v == "" {
			if s.required {
				problems = append(problems, s.name+" is required")
			}
			continue
		}
		if err := s.set(&c, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s %s", s.name, err))
		}
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("config for %s: %s", fn, strings.Join(problems, "; "))
	}
	return c, nil
}

// MustRead is for main packages only: it calls Load and, on error, writes the
// message to stderr and exits with status 1 (fail fast at cold start).
func MustRead(fn Function) Config {
	c, err := Load(fn, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return c
}
