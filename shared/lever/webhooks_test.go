package lever_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
)

func TestWebhooksRegisterListDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noRate(), lever.Config{})
	ctx := context.Background()
	var made []lever.Webhook
	for _, ev := range []string{"candidateStageChange", "candidateArchiveChange", "candidateHired", "candidateDeleted"} {
		w, err := e.client.CreateWebhook(ctx, "https://leverlink.example/v1/lever/webhooks/acme", ev)
		if err != nil {
			t.Fatalf("CreateWebhook %s: %v", ev, err)
		}
		if w.ID == "" || w.Event != ev || len(w.SignatureToken) != 48 {
			t.Fatalf("created %+v, want an id, event %s and a 48-character signature token", w, ev)
		}
		made = append(made, w)
	}
	// The fake keeps the token it signs deliveries with.
	if got := e.acc.Webhooks(); len(got) != 4 || got[0].SignatureToken != made[0].SignatureToken {
		t.Fatalf("fake webhooks %+v", got)
	}
	list, err := e.client.ListWebhooks(ctx)
	if err != nil || len(list) != 4 {
		t.Fatalf("ListWebhooks = %+v, %v; want 4", list, err)
	}
	if list[0].SignatureToken != "" {
		t.Errorf("a listed webhook shows its signature token (the docs' list example does not)")
	}
	if err := e.client.DeleteWebhook(ctx, made[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteWebhook(ctx, made[0].ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("second delete: %v, want not found", err)
	}
	if list, _ = e.client.ListWebhooks(ctx); len(list) != 3 {
		t.Errorf("after delete: %d webhooks, want 3", len(list))
	}
	for _, tc := range []struct{ url, event string }{{"http://leverlink.example/x", "candidateHired"}, {"https://leverlink.example/x", "candidateExploded"}} {
		if _, err := e.client.CreateWebhook(ctx, tc.url, tc.event); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("CreateWebhook(%s, %s) = %v, want invalid", tc.url, tc.event, err)
		}
	}
	if e.calls.get("POST /webhooks") != 6 {
		t.Errorf("POST /webhooks called %d times, want 6 (a create is never retried)", e.calls.get("POST /webhooks"))
	}
}

// The docs' create example nests the webhook twice; one level is accepted
// too.
func TestCreateWebhookAnswerShapes(t *testing.T) {
	t.Parallel()
	for name, answer := range map[string]string{
		"docs (nested)": `{"data":{"data":{"id":"w1","event":"candidateHired","url":"https://x","configuration":{"signatureToken":"tok"},"createdAt":1,"updatedAt":2}}}`,
		"flat":          `{"data":{"id":"w1","event":"candidateHired","url":"https://x","configuration":{"signatureToken":"tok"},"createdAt":1,"updatedAt":2}}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(answer))
		}))
		c := lever.New(lever.Config{BaseURL: srv.URL, Tokens: lever.StaticToken("t")})
		w, err := c.CreateWebhook(context.Background(), "https://x", "candidateHired")
		srv.Close()
		if err != nil || w.ID != "w1" || w.SignatureToken != "tok" || w.UpdatedAt != 2 {
			t.Errorf("%s: %+v, %v", name, w, err)
		}
	}
}
