package lever_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/leverhook"
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

// hookReceiver collects verified Lever webhook deliveries.
type hookReceiver struct {
	mu     sync.Mutex
	tokens map[string]string // event → signature token
	got    []leverhook.Delivery
	errs   []error
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var peek struct {
		Event string `json:"event"`
	}
	_ = json.Unmarshal(body, &peek)
	h.mu.Lock()
	defer h.mu.Unlock()
	d, err := leverhook.Verify(body, h.tokens[peek.Event], time.Now(), time.Hour)
	if err != nil || r.Header.Get("User-Agent") != "Lever-Webhooks" {
		h.errs = append(h.errs, fmt.Errorf("%w (user agent %q)", err, r.Header.Get("User-Agent")))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	h.got = append(h.got, d)
}

func (h *hookReceiver) events() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, d := range h.got {
		out = append(out, d.Event)
	}
	return out
}

// The recruiter's actions through Lever's own API reach a registered
// webhook signed as Lever documents; the fake drops and duplicates on
// request.
func TestWebhookDeliveriesFromRecruiterActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noRate(), lever.Config{})
	ctx := context.Background()
	recv := &hookReceiver{tokens: map[string]string{}}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	for _, ev := range []string{"candidateStageChange", "candidateArchiveChange", "candidateHired"} {
		w, err := e.client.CreateWebhook(ctx, srv.URL+"/v1/lever/webhooks/acme", ev)
		if err != nil {
			t.Fatal(err)
		}
		recv.tokens[ev] = w.SignatureToken
	}
	opp, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Ada", Emails: []string{"ada@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	wait := func(n int) []string {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && len(recv.events()) < n {
			time.Sleep(20 * time.Millisecond)
		}
		return recv.events()
	}
	if err := e.client.ChangeStage(ctx, opp.ID, "lead-responded"); err != nil {
		t.Fatal(err)
	}
	if got := wait(1); len(got) != 1 || got[0] != "candidateStageChange" {
		t.Fatalf("after a stage change: %v", got)
	}
	var data struct {
		OpportunityID string `json:"opportunityId"`
		ToStageID     string `json:"toStageId"`
		FromStageID   string `json:"fromStageId"`
	}
	_ = json.Unmarshal(recv.got[0].Data, &data)
	if data.OpportunityID != opp.ID || data.ToStageID != "lead-responded" || data.FromStageID != opp.Stage {
		t.Errorf("stage change data %+v, want %s from %s to lead-responded", data, opp.ID, opp.Stage)
	}
	reasons, err := e.client.ListArchiveReasons(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hired := ""
	for _, r := range reasons {
		if r.Type == "hired" {
			hired = r.ID
		}
	}
	if _, err := e.client.SetArchived(ctx, opp.ID, hired); err != nil {
		t.Fatal(err)
	}
	// Separate deliveries may arrive in any order (assumption: Lever
	// promises none).
	if got := wait(3); len(got) != 3 || !slices.Contains(got[1:], "candidateArchiveChange") || !slices.Contains(got[1:], "candidateHired") {
		t.Fatalf("after archiving as hired: %v", got)
	}

	// Faults: the next stage change is dropped, the one after duplicated.
	e.acc.SetWebhookFaults(leverfake.WebhookFaults{Drop: 1, Duplicate: 1})
	if _, err := e.client.SetArchived(ctx, opp.ID, ""); err != nil { // candidateArchiveChange: dropped
		t.Fatal(err)
	}
	if err := e.client.ChangeStage(ctx, opp.ID, "offer"); err != nil { // duplicated
		t.Fatal(err)
	}
	got := wait(5)
	if len(got) != 5 || got[3] != "candidateStageChange" || got[4] != "candidateStageChange" || recv.got[3].ID != recv.got[4].ID {
		t.Fatalf("with faults: %v, want the stage change twice with one id and the unarchive dropped", got)
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.errs) > 0 {
		t.Errorf("deliveries refused: %v", recv.errs)
	}
}

// The poll fallback's reads: updated_at_start keeps what changed from that
// millisecond on (inclusive), the deleted list what was deleted since; a
// deletion (Lever's app only) notifies candidateDeleted with deletedBy.
func TestPollReadsAndDeletion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noRate(), lever.Config{})
	ctx := context.Background()
	recv := &hookReceiver{tokens: map[string]string{}}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	w, err := e.client.CreateWebhook(ctx, srv.URL+"/v1/lever-webhooks/acme", "candidateDeleted")
	if err != nil {
		t.Fatal(err)
	}
	recv.tokens["candidateDeleted"] = w.SignatureToken
	a, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Ada", Emails: []string{"ada@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Bo", Emails: []string{"bo@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	e.ts.Advance(time.Minute)
	mark := e.ts.Now()
	if !e.acc.ChangeStage(b.ID, "offer") {
		t.Fatal("ChangeStage refused")
	}
	for _, tc := range []struct {
		since time.Time
		want  []string
	}{{time.Time{}, []string{a.ID, b.ID}}, {mark, []string{b.ID}}, {mark.Add(time.Millisecond), nil}} {
		got, err := e.client.ListOpportunities(ctx, lever.OppFilter{UpdatedAtStart: tc.since})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("updated since %v: %v, want %v", tc.since, ids, tc.want)
		}
	}
	if !e.acc.DeleteOpportunity(a.ID, "") || e.acc.DeleteOpportunity(a.ID, "") {
		t.Fatal("DeleteOpportunity: want true once, then false")
	}
	if _, err := e.client.GetOpportunity(ctx, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("GetOpportunity of a deleted one: %v, want not found", err)
	}
	del, err := e.client.ListDeletedOpportunities(ctx, mark)
	if err != nil || len(del) != 1 || del[0].ID != a.ID || del[0].DeletedBy != e.acc.AdminID() || del[0].DeletedAt.Time().Before(mark) {
		t.Fatalf("deleted since mark: %+v, %v", del, err)
	}
	if del, _ := e.client.ListDeletedOpportunities(ctx, e.ts.Now().Add(time.Second)); len(del) != 0 {
		t.Errorf("deleted since the future: %+v", del)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(recv.events()) < 1 {
		time.Sleep(20 * time.Millisecond)
	}
	if got := recv.events(); len(got) != 1 || got[0] != "candidateDeleted" {
		t.Fatalf("deliveries %v, want candidateDeleted", got)
	}
	var data struct{ OpportunityID, DeletedBy string }
	_ = json.Unmarshal(recv.got[0].Data, &data)
	if data.OpportunityID != a.ID || data.DeletedBy != e.acc.AdminID() {
		t.Errorf("candidateDeleted data %+v", data)
	}
}
