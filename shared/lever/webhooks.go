package lever

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Webhook is a webhook created through Lever's API (docs
// #webhooks-via-the-api). SignatureToken is known only from the create
// answer (configuration.signatureToken); list answers show the
// configuration's conditions only.
type Webhook struct {
	ID             string
	URL            string
	Event          string
	CreatedAt      Timestamp
	UpdatedAt      Timestamp
	SignatureToken string
}

type webhookJSON struct {
	ID            string    `json:"id"`
	URL           string    `json:"url"`
	Event         string    `json:"event"`
	CreatedAt     Timestamp `json:"createdAt"`
	UpdatedAt     Timestamp `json:"updatedAt"`
	Configuration struct {
		SignatureToken string `json:"signatureToken"`
	} `json:"configuration"`
}

func (w webhookJSON) webhook() Webhook {
	return Webhook{ID: w.ID, URL: w.URL, Event: w.Event, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, SignatureToken: w.Configuration.SignatureToken}
}

// ListWebhooks returns the account's webhooks (GET /webhooks). Lever
// lists webhooks made in Lever too; only ones made through the API can be
// changed through it. Errors: see the package documentation.
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	var env envelope[[]webhookJSON]
	if err := c.do(ctx, request{method: http.MethodGet, path: "/webhooks", label: "GET /webhooks", idempotent: true}, &env); err != nil {
		return nil, err
	}
	out := make([]Webhook, 0, len(env.Data))
	for _, w := range env.Data {
		out = append(out, w.webhook())
	}
	return out, nil
}

// CreateWebhook registers url for event (POST /webhooks; scope
// webhooks:write:admin) and returns it with its signature token. The docs'
// example answer nests the webhook twice ({"data": {"data": {...}}}); one
// level is accepted too. A Super Admin may have to switch the webhook group
// on before Lever sends anything (docs), so callers keep a poll fallback.
// Not retried on a transient error (it would create a second webhook):
// list first. Errors: apperr Internal when the answer has no id or
// signature token; see the package documentation.
func (c *Client) CreateWebhook(ctx context.Context, url, event string) (Webhook, error) {
	if err := requireID("url", url); err != nil {
		return Webhook{}, err
	}
	if err := requireID("event", event); err != nil {
		return Webhook{}, err
	}
	body, _ := json.Marshal(map[string]any{"url": url, "event": event})
	var env envelope[json.RawMessage]
	if err := c.do(ctx, request{method: http.MethodPost, path: "/webhooks", label: "POST /webhooks", body: body, contentType: "application/json"}, &env); err != nil {
		return Webhook{}, err
	}
	var nested envelope[webhookJSON]
	var flat webhookJSON
	_ = json.Unmarshal(env.Data, &nested)
	_ = json.Unmarshal(env.Data, &flat)
	w := nested.Data
	if w.ID == "" {
		w = flat
	}
	if w.ID == "" || w.Configuration.SignatureToken == "" {
		return Webhook{}, apperr.E(apperr.Internal, "lever POST /webhooks: answer without id or signature token")
	}
	return w.webhook(), nil
}

// DeleteWebhook removes a webhook made through the API (DELETE
// /webhooks/:id, 204). Errors: apperr NotFound for an unknown id; see the
// package documentation.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if err := requireID("webhookId", id); err != nil {
		return err
	}
	return c.do(ctx, request{method: http.MethodDelete, path: "/webhooks/" + pathID(id), label: "DELETE /webhooks/:id", idempotent: true}, nil)
}
