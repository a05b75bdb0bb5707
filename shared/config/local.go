package config

// LocalStack names the resources of a whole leverlink running in one
// process: the local stack (make run), the tests and the benchmarks.
type LocalStack struct {
	DynamoDBEndpoint string
	SQSEndpoint      string
	S3Endpoint       string

	ConnectionsTable string
	LinksTable       string
	ExportsTable     string
	EventsTable      string
	OutboxTable      string
	ExportQueueURL   string
	PayloadBucket    string
	// RefreshFunctionName names the refresher function in refresh
	// requests (the local stack invokes it in process).
	RefreshFunctionName string
	// ExportMaxReceives is the export queue's maxReceiveCount, from the
	// template (stackdef.Queue.MaxReceiveCount).
	ExportMaxReceives int

	// LeverClientID is the OAuth client (the fake Lever's, or a real one).
	LeverClientID string
	// LeverBaseURL is the fake Lever's base URL (/authorize, /oauth/token
	// and /v1 under it); "" keeps Lever's own hosts.
	LeverBaseURL string
	// LeverRedirectHosts are the fake's other listeners ("host:port", e.g.
	// the region account's) the clients may follow redirects to.
	LeverRedirectHosts []string
	// PublicURL is where the functions are served; the OAuth redirect URL
	// is PublicURL + "/oauth/lever/callback".
	PublicURL string
}

// The local configuration's defaults beyond the variables' own.
const (
	localMarketplace  = "TalentMarket"
	localReturnOrigin = "https://vendor.example"
)

// Local returns the configuration of every function at once for s (Function
// is empty): each variable's default as Load applies it, the secret
// parameters named under /local/ (a secret.Static holds them), marketplace
// "TalentMarket", return origin https://vendor.example; then each edit, in
// order, for what one caller needs differently.
func Local(s LocalStack, edit ...func(*Config)) Config {
	c := Config{
		DynamoDBEndpoint: s.DynamoDBEndpoint, SQSEndpoint: s.SQSEndpoint, S3Endpoint: s.S3Endpoint,
		ConnectionsTable: s.ConnectionsTable, LinksTable: s.LinksTable, ExportsTable: s.ExportsTable, EventsTable: s.EventsTable,
		OutboxTable: s.OutboxTable, ExportQueueURL: s.ExportQueueURL, RefreshFunctionName: s.RefreshFunctionName, PayloadBucket: s.PayloadBucket, ExportMaxReceives: s.ExportMaxReceives,
		LeverClientID:           s.LeverClientID,
		LeverClientSecretParam:  "/local/lever-client-secret",
		LeverRedirectURL:        s.PublicURL + "/oauth/lever/callback",
		APIKeysParam:            "/local/api-keys",
		WebhookSecretParam:      "/local/webhook-secret",
		TokenKeyParam:           "/local/token-key",
		VendorEventsSecretParam: "/local/vendor-events-secret",
		MarketplaceName:         localMarketplace,
		AllowedReturnOrigins:    []string{localReturnOrigin},
		LeverRedirectHosts:      s.LeverRedirectHosts,
	}
	if s.LeverBaseURL != "" {
		c.LeverAuthBaseURL, c.LeverAPIBaseURL = s.LeverBaseURL, s.LeverBaseURL+"/v1"
	}
	for _, sp := range specs {
		if sp.def != "" {
			_ = sp.set(&c, sp.def) // the defaults are valid: TestLocal checks them
		}
	}
	for _, e := range edit {
		e(&c)
	}
	return c
}
