package leverfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
)

// Webhooks via the API (Lever docs #webhooks-via-the-api; LEVER.md §9).

// webhookEvents are the triggers Lever lists for a webhook's event
// (docs #webhooks-via-the-api, "One of the available webhook triggers").
var webhookEvents = []string{
	"applicationCreated", "candidateHired", "candidateStageChange", "candidateArchiveChange", "candidateDeleted",
	"interviewCreated", "interviewUpdated", "interviewDeleted", "contactCreated", "contactUpdated",
}

// Webhook is a webhook created through the API. SignatureToken is only
// shown in the create answer (the docs' list example shows the
// configuration's conditions only).
type Webhook struct {
	ID             string         `json:"id"`
	URL            string         `json:"url"`
	Event          string         `json:"event"`
	CreatedAt      int64          `json:"createdAt"`
	UpdatedAt      int64          `json:"updatedAt"`
	Configuration  map[string]any `json:"configuration"`
	SignatureToken string         `json:"-"`
}

func webhookToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) // 48 hex characters, like the docs' example token
}

// listWebhooks implements GET /webhooks: {"data": [webhook...]} (docs
// example "List Webhooks"; not paginated there, and not here).
func (f *Fake) listWebhooks(w http.ResponseWriter, _ *http.Request, a *account) {
	f.mu.Lock()
	out := make([]Webhook, 0, len(a.webhooks))
	for _, h := range a.webhooks {
		out = append(out, *h)
	}
	f.mu.Unlock()
	writeData(w, http.StatusOK, out)
}

// createWebhook implements POST /webhooks {url, event, configuration?}.
// The answer is 201 with the docs' example shape, which nests data twice:
// {"data": {"data": {id, event, url, configuration: {signatureToken},
// createdAt, updatedAt}}} (docs "Create a Webhook"; the client accepts one
// level too). An unknown event or a missing url is 400 BadRequestError
// (assumption: the docs give no error example). Lever delivers over HTTPS
// only (LEVER.md §9); the fake also accepts http URLs to loopback hosts so
// tests can receive without TLS (assumption: a fake convenience).
func (f *Fake) createWebhook(w http.ResponseWriter, r *http.Request, a *account) {
	var in struct {
		URL           string         `json:"url"`
		Event         string         `json:"event"`
		Configuration map[string]any `json:"configuration"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		badRequest(w, "Body must be JSON {url, event, configuration}")
		return
	}
	u, err := url.Parse(in.URL)
	loopback := u != nil && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1")
	if in.URL == "" || err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && loopback) {
		badRequest(w, "url must be an https URL")
		return
	}
	if !slices.Contains(webhookEvents, in.Event) {
		badRequest(w, "event must be one of the available webhook triggers")
		return
	}
	f.mu.Lock()
	now := f.nowMillis()
	h := &Webhook{ID: f.newID(), URL: in.URL, Event: in.Event, CreatedAt: now, UpdatedAt: now, Configuration: in.Configuration, SignatureToken: webhookToken()}
	if h.Configuration == nil {
		h.Configuration = map[string]any{}
	}
	a.webhooks = append(a.webhooks, h)
	f.mu.Unlock()
	writeData(w, http.StatusCreated, map[string]any{"data": map[string]any{
		"id": h.ID, "event": h.Event, "url": h.URL, "createdAt": h.CreatedAt, "updatedAt": h.UpdatedAt,
		"configuration": map[string]any{"signatureToken": h.SignatureToken},
	}})
}

// deleteWebhook implements DELETE /webhooks/:webhookId: 204 No Content
// (docs "Delete a Webhook"); an unknown id is 404 ResourceNotFound
// (assumption, like the docs' stage example).
func (f *Fake) deleteWebhook(w http.ResponseWriter, r *http.Request, a *account) {
	id := r.PathValue("id")
	f.mu.Lock()
	i := slices.IndexFunc(a.webhooks, func(h *Webhook) bool { return h.ID == id })
	if i >= 0 {
		a.webhooks = slices.Delete(a.webhooks, i, i+1)
	}
	f.mu.Unlock()
	if i < 0 {
		notFound(w, "webhook", id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Webhooks returns the account's webhooks, with their signature tokens.
func (acc *Account) Webhooks() []Webhook {
	var out []Webhook
	acc.locked(func(a *account) {
		for _, h := range a.webhooks {
			out = append(out, *h)
		}
	})
	return out
}
