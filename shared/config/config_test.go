package config

import (
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	full := map[string]string{
		"CONNECTIONS_TABLE": "c", "LINKS_TABLE": "l", "EXPORTS_TABLE": "e", "EVENTS_TABLE": "ev",
		"EXPORT_QUEUE_URL": "https://sqs.example/q.fifo", "WEBHOOK_SECRET_PARAM": "/p/w", "PAYLOAD_BUCKET": "b",
		// Lever webhook deliveries read the opportunity from Lever.
		"LEVER_CLIENT_ID": "id", "LEVER_CLIENT_SECRET_PARAM": "/p/s", "TOKEN_KEY_PARAM": "/p/t",
	}
	oauth := with(full, "REFRESH_FUNCTION_NAME", "leverlink-prod-refresher")
	for k, v := range map[string]string{
		"LEVER_CLIENT_ID": "id", "LEVER_CLIENT_SECRET_PARAM": "/p/s", "TOKEN_KEY_PARAM": "/p/t",
		"ALLOWED_RETURN_ORIGINS": "https://app.example", "API_KEYS_PARAM": "/p/k",
	} {
		oauth = with(oauth, k, v)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		fn      Function
		env     map[string]string
		wantErr []string
	}{
		{"webhook complete", Webhook, full, nil},
		{"nothing set names every required variable", Webhook, map[string]string{}, []string{"CONNECTIONS_TABLE is required", "WEBHOOK_SECRET_PARAM is required", "EXPORT_QUEUE_URL is required", "TOKEN_KEY_PARAM is required"}},
		{"malformed url", Webhook, with(full, "EXPORT_QUEUE_URL", "not a url"), []string{"EXPORT_QUEUE_URL must be an absolute URL"}},
		{"bad ttl", Webhook, with(full, "EVENT_TTL", "-1h"), []string{"EVENT_TTL must be a positive duration"}},
		{"rate above Lever's", Exporter, with(full, "LEVER_RATE_LIMIT", "11"), []string{"LEVER_RATE_LIMIT must be a number in (0, 10]"}},
		{"exporter without the receive count", Exporter, full, []string{"EXPORT_MAX_RECEIVE_COUNT is required"}},
		{"receive count not a number", Exporter, with(full, "EXPORT_MAX_RECEIVE_COUNT", "eight"), []string{"EXPORT_MAX_RECEIVE_COUNT must be an integer in [1, 1000]"}},
		{"unknown function", Function("nope"), full, []string{"unknown function"}},
		{"oauth without a redirect url (derived per request)", OAuth, oauth, nil},
		{"oauth with a redirect url", OAuth, with(oauth, "LEVER_REDIRECT_URL", "https://api.example/oauth/lever/callback"), nil},
		{"relative redirect url", OAuth, with(oauth, "LEVER_REDIRECT_URL", "/oauth/lever/callback"), []string{"LEVER_REDIRECT_URL must be an absolute URL"}},
		{"pkce neither on nor off", OAuth, with(oauth, "LEVER_PKCE", "no"), []string{"LEVER_PKCE must be on or off"}},
		{"refresher function by ARN", OAuth, with(oauth, "REFRESH_FUNCTION_NAME", "arn:aws:lambda:eu-west-1:123456789012:function:leverlink-prod-refresher"), nil},
		{"refresher function not a name", OAuth, with(oauth, "REFRESH_FUNCTION_NAME", "https://sqs.example/r"), []string{"REFRESH_FUNCTION_NAME must be a Lambda function name"}},
		{"oauth without the refresher function", OAuth, with(oauth, "REFRESH_FUNCTION_NAME", ""), []string{"REFRESH_FUNCTION_NAME is required"}},
		{"pkce off", OAuth, with(oauth, "LEVER_PKCE", "off"), nil},
		{"fractional burst", API, with(with(oauth, "MARKETPLACE_NAME", "m"), "LEVER_BURST", "19.5"), []string{"LEVER_BURST must be an integer in [1, 20]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.fn, env(tt.env))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %v", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	c, err := Load(Webhook, env(full))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.EventTTL.String(), "72h0m0s"; got != want {
		t.Errorf("default EVENT_TTL: got %s, want %s", got, want)
	}
	req, opt := Vars(OAuth)
	if strings.Contains(strings.Join(req, ","), "LEVER_REDIRECT_URL") || !strings.Contains(strings.Join(opt, ","), "LEVER_REDIRECT_URL") {
		t.Errorf("Vars(OAuth) = %v, %v: LEVER_REDIRECT_URL must be optional", req, opt)
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

func TestVarsCoverEveryFunction(t *testing.T) {
	for _, fn := range Functions {
		req, _ := Vars(fn)
		if len(req) == 0 {
			t.Errorf("%s reads no required variable", fn)
		}
	}
}
