package config

import (
	"reflect"
	"slices"
	"testing"
)

func TestLocal(t *testing.T) {
	s := LocalStack{
		DynamoDBEndpoint: "http://127.0.0.1:8000", SQSEndpoint: "http://127.0.0.1:9324",
		ConnectionsTable: "c", LinksTable: "l", ExportsTable: "x", EventsTable: "e", OutboxTable: "o",
		ExportQueueURL: "http://q/export", RefreshFunctionName: "leverlink-local-refresher", PayloadBucket: "b", S3Endpoint: "http://127.0.0.1:9324", ExportMaxReceives: 8,
		LeverClientID: "client", LeverBaseURL: "http://127.0.0.1:8765", PublicURL: "http://127.0.0.1:8080",
	}
	got := Local(s)
	// Every function's Load with the same values gives the same fields.
	env := map[string]string{
		"DYNAMODB_ENDPOINT": s.DynamoDBEndpoint, "SQS_ENDPOINT": s.SQSEndpoint, "S3_ENDPOINT": s.S3Endpoint, "PAYLOAD_BUCKET": "b",
		"CONNECTIONS_TABLE": "c", "LINKS_TABLE": "l", "EXPORTS_TABLE": "x", "EVENTS_TABLE": "e", "OUTBOX_TABLE": "o",
		"VENDOR_EVENTS_SECRET_PARAM": got.VendorEventsSecretParam,
		"EXPORT_QUEUE_URL":           s.ExportQueueURL, "REFRESH_FUNCTION_NAME": s.RefreshFunctionName, "EXPORT_MAX_RECEIVE_COUNT": "8",
		"LEVER_CLIENT_ID": "client", "LEVER_CLIENT_SECRET_PARAM": got.LeverClientSecretParam,
		"LEVER_REDIRECT_URL":  "http://127.0.0.1:8080/oauth/lever/callback",
		"LEVER_AUTH_BASE_URL": "http://127.0.0.1:8765", "LEVER_API_BASE_URL": "http://127.0.0.1:8765/v1",
		"API_KEYS_PARAM": got.APIKeysParam, "WEBHOOK_SECRET_PARAM": got.WebhookSecretParam, "TOKEN_KEY_PARAM": got.TokenKeyParam,
		"MARKETPLACE_NAME": "TalentMarket", "ALLOWED_RETURN_ORIGINS": "https://vendor.example",
	}
	// The union of every function's Load on the same values is Local.
	var union Config
	for _, fn := range Functions {
		c, err := Load(fn, func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("Load(%s): %v", fn, err)
		}
		c.Function = ""
		u, l := reflect.ValueOf(&union).Elem(), reflect.ValueOf(c)
		for i := range l.NumField() {
			if !l.Field(i).IsZero() {
				u.Field(i).Set(l.Field(i))
			}
		}
	}
	if !reflect.DeepEqual(got, union) {
		t.Errorf("Local:\n got  %+v\nwant %+v (every function's Load)", got, union)
	}
	if got.LeverRateLimit != 9.5 || got.LeverBurst != 19 || got.EventTTL.String() != "72h0m0s" {
		t.Errorf("defaults: got rate %v burst %d ttl %s, want 9.5 19 72h", got.LeverRateLimit, got.LeverBurst, got.EventTTL)
	}
	for _, p := range []string{got.LeverClientSecretParam, got.APIKeysParam, got.WebhookSecretParam, got.TokenKeyParam} {
		if p == "" {
			t.Errorf("a secret parameter name is empty: %+v", got)
		}
	}
}

func TestLocalEdits(t *testing.T) {
	got := Local(LocalStack{PublicURL: "https://x.example"},
		func(c *Config) { c.LeverBurst = 20 },
		func(c *Config) { c.AllowedReturnOrigins = append(c.AllowedReturnOrigins, "http://localhost:8080") })
	if got.LeverBurst != 20 {
		t.Errorf("burst: got %d, want 20", got.LeverBurst)
	}
	if want := []string{"https://vendor.example", "http://localhost:8080"}; !slices.Equal(got.AllowedReturnOrigins, want) {
		t.Errorf("origins: got %v, want %v", got.AllowedReturnOrigins, want)
	}
	if got.LeverAuthBaseURL != "" || got.LeverAPIBaseURL != "" {
		t.Errorf("no fake: got overrides %q %q, want none", got.LeverAuthBaseURL, got.LeverAPIBaseURL)
	}
	if got.LeverRedirectURL != "https://x.example/oauth/lever/callback" {
		t.Errorf("redirect: got %q", got.LeverRedirectURL)
	}
}
