// Command demo tells leverlink's whole story against a running local stack
// (`make run` in another terminal, then `make demo`): connect a company
// through the OAuth round trip with the fake Lever, reload postings, link a
// position, send a signed contact_accepted event, show the exported
// candidate as Lever's API returns it, push a message, export another
// candidate to a posting chosen at the moment of export (no link), read the
// company's settings, unlink, show export.succeeded, hire the candidate in
// the fake Lever and show candidate.hired reaching the vendor, disconnect.
// Each step prints what it sent and what came back.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/event"
)

type stackInfo struct {
	URL           string `json:"url"`
	APIKey        string `json:"apiKey"`
	WebhookSecret string `json:"webhookSecret"`
	FakeLever     string `json:"fakeLever"`
	FakeAccount   string `json:"fakeAccount"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "\ndemo failed:", err)
		os.Exit(1)
	}
}

var (
	st      stackInfo
	hc      = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	step    = 0
	company = fmt.Sprintf("demo-co-%d", time.Now().Unix()%100000)
)

func say(format string, args ...any) {
	step++
	fmt.Printf("\n== %d. %s\n", step, fmt.Sprintf(format, args...))
}

func run() error {
	path := os.Getenv("LEVERLINK_STATE_FILE")
	if path == "" {
		path = "bin/local-stack.json"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w (start the stack first: make run)", path, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	if st.FakeLever == "" {
		return errors.New("the stack runs against the real Lever; the demo needs the fake Lever")
	}
	fmt.Printf("leverlink demo against %s (fake Lever %s), company %q\n", st.URL, st.FakeLever, company)
	base := "/v1/companies/" + company

	say("Connect Lever: ask leverlink for the authorize URL")
	var auth struct {
		AuthorizeURL string `json:"authorizeUrl"`
	}
	if err := api("POST", base+"/connection/authorize", map[string]any{"returnUrl": st.URL + "/settings/ats", "environment": "production"}, 200, &auth); err != nil {
		return err
	}
	fmt.Println("   authorize URL:", short(auth.AuthorizeURL))

	say("The admin consents at Lever (the fake consents at once) and is sent to leverlink's callback")
	resp, err := hc.Get(auth.AuthorizeURL)
	if err != nil {
		return err
	}
	resp.Body.Close()
	cb := resp.Header.Get("Location")
	fmt.Println("   Lever redirects to:", short(cb))
	resp, err = hc.Get(cb)
	if err != nil {
		return err
	}
	resp.Body.Close()
	back := resp.Header.Get("Location")
	fmt.Printf("   leverlink answers %d and sends the browser back to: %s\n", resp.StatusCode, back)
	if u, _ := url.Parse(back); u == nil || u.Query().Get("status") != "connected" {
		return fmt.Errorf("connect failed: %s", back)
	}
	if err := api("GET", base+"/connection", nil, 200, nil); err != nil {
		return err
	}

	say("Reload the postings (the Reload link of the dropdown)")
	var postings struct {
		Postings []struct {
			ID, Text, State string
		} `json:"postings"`
	}
	if err := api("POST", base+"/postings/reload", nil, 200, &postings); err != nil {
		return err
	}
	if len(postings.Postings) == 0 {
		return errors.New("no postings")
	}
	posting := postings.Postings[0]
	chosen := postings.Postings[len(postings.Postings)-1]
	for _, p := range postings.Postings {
		if p.ID != posting.ID && p.State == "published" {
			chosen = p
			break
		}
	}

	say("Link position pos-backend to %q (trigger: contact_accepted)", posting.Text)
	if err := api("PUT", base+"/links/pos-backend", map[string]any{"postingId": posting.ID, "trigger": "contact_accepted"}, 200, nil); err != nil {
		return err
	}

	say("The candidate accepts the contact request: a signed candidate.contact_accepted event")
	now := time.Now().UTC()
	if err := send(map[string]any{
		"id": "evt-accept-" + company, "type": "candidate.contact_accepted", "occurredAt": now.Format(time.RFC3339), "companyId": company,
		"data": map[string]any{"positionId": "pos-backend", "candidate": map[string]any{
			"id": "cand-ada", "firstName": "Ada", "lastName": "Lovelace", "emails": []string{"ada." + company + "@example.com"},
			"headline": "Senior Backend Engineer", "location": map[string]any{"city": "London", "country": "GB"},
			"profileUrl": "https://marketplace.example/candidates/cand-ada", "linkedinUrl": "https://www.linkedin.com/in/ada-" + company,
			"consent":  map[string]any{"granted": true, "at": now.Format(time.RFC3339)},
			"resume":   map[string]any{"contentBase64": "JVBERi0xLjQKJcfsj6IKJSVFT0YK", "fileName": "ada.pdf", "contentType": "application/pdf"},
			"messages": []map[string]any{{"id": "m1", "direction": "outbound", "author": "Grace", "sentAt": now.Add(-time.Hour).Format(time.RFC3339), "body": "Hi Ada, interested in our backend role?"}},
			"notes":    []map[string]any{{"id": "n1", "author": "Grace", "createdAt": now.Add(-2 * time.Hour).Format(time.RFC3339), "body": "Great systems background."}},
		}},
	}); err != nil {
		return err
	}

	say("The exporter picks the job from the FIFO queue; poll the export status (the Lever logo)")
	var status struct {
		State, LeverURL, OpportunityID string
	}
	for i := 0; i < 60; i++ {
		if err := apiQuiet("GET", base+"/candidates/cand-ada/export", &status); err != nil {
			return err
		}
		if status.State == "exported" {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := api("GET", base+"/candidates/cand-ada/export", nil, 200, nil); err != nil {
		return err
	}
	if status.State != "exported" {
		return errors.New("the candidate was not exported in 30s")
	}

	say("The candidate as Lever's API returns it (GET /v1/opportunities/%s at the fake)", status.OpportunityID)
	token, err := leverToken()
	if err != nil {
		return err
	}
	if err := lever(token, "/v1/opportunities/"+status.OpportunityID); err != nil {
		return err
	}
	if err := lever(token, "/v1/opportunities/"+status.OpportunityID+"/notes"); err != nil {
		return err
	}

	say("A new message is pushed as a note (message.created)")
	if err := send(map[string]any{
		"id": "evt-msg-" + company, "type": "message.created", "occurredAt": now.Format(time.RFC3339), "companyId": company,
		"data": map[string]any{"candidateId": "cand-ada", "message": map[string]any{"id": "m2", "direction": "inbound", "author": "Ada", "sentAt": now.Format(time.RFC3339), "body": "Yes, let's talk!"}},
	}); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	if err := lever(token, "/v1/opportunities/"+status.OpportunityID+"/notes"); err != nil {
		return err
	}

	say("Export to a posting chosen now (Pin's \"Export to ATS\"): may the button show for %q?", chosen.Text)
	if err := api("GET", base+"/candidates/cand-grace/export?postingId="+url.QueryEscape(chosen.ID), nil, 200, nil); err != nil {
		return err
	}
	say("The user clicks Export: {postingId, candidate}, no link needed")
	if err := api("POST", base+"/candidates/cand-grace/export", map[string]any{"postingId": chosen.ID, "candidate": map[string]any{
		"id": "cand-grace", "firstName": "Grace", "lastName": "Hopper", "emails": []string{"grace." + company + "@example.com"},
		"consent": map[string]any{"granted": true, "at": now.Format(time.RFC3339)},
	}}, 202, nil); err != nil {
		return err
	}
	var chosenStatus struct {
		State, LeverURL, PostingID string
	}
	for i := 0; i < 60 && chosenStatus.State != "exported"; i++ {
		time.Sleep(500 * time.Millisecond)
		if err := apiQuiet("GET", base+"/candidates/cand-grace/export", &chosenStatus); err != nil {
			return err
		}
	}
	if err := api("GET", base+"/candidates/cand-grace/export", nil, 200, nil); err != nil {
		return err
	}
	if chosenStatus.State != "exported" || chosenStatus.PostingID != chosen.ID {
		return fmt.Errorf("the chosen-posting export did not land on %s in 30s", chosen.ID)
	}

	say("The company's settings (general opportunities, the consent gate): all off by default")
	if err := api("GET", base+"/settings", nil, 200, nil); err != nil {
		return err
	}

	say("Unlink the position: future exports and pushes stop")
	if err := api("DELETE", base+"/links/pos-backend", nil, 204, nil); err != nil {
		return err
	}
	if err := send(map[string]any{
		"id": "evt-msg2-" + company, "type": "note.created", "occurredAt": now.Format(time.RFC3339), "companyId": company,
		"data": map[string]any{"candidateId": "cand-ada", "note": map[string]any{"id": "n2", "author": "Grace", "createdAt": now.Format(time.RFC3339), "body": "Not pushed: the position is unlinked."}},
	}); err != nil {
		return err
	}

	say("What the vendor was told: export.succeeded in the outbound events feed (make run prints each event it would POST without VENDOR_EVENTS_URL)")
	if err := showEvent(base, "export.succeeded"); err != nil {
		return err
	}

	say("Lever tells leverlink what happens next: the webhooks leverlink registered in Lever after connect")
	if err := waitWebhooks(); err != nil {
		return err
	}
	say("A recruiter hires Ada in Lever (PUT /opportunities/:id/archived with a reason of type hired, Lever's own API)")
	hired, err := hiredReason(token)
	if err != nil {
		return err
	}
	fmt.Printf("   → PUT %s/v1/opportunities/%s/archived {\"reason\": %q}\n", st.FakeLever, status.OpportunityID, hired)
	code, raw, err := call("PUT", st.FakeLever+"/v1/opportunities/"+status.OpportunityID+"/archived", "Bearer "+token, map[string]any{"reason": hired})
	if err != nil {
		return fmt.Errorf("archive as hired: %w", err)
	}
	if code != 200 {
		return fmt.Errorf("archive as hired: %d %s", code, raw)
	}
	say("What the vendor was told: candidate.hired (Lever's webhook, verified with its signature token)")
	if err := showEvent(base, "candidate.hired"); err != nil {
		return err
	}
	say("The export status shows what Lever says now")
	if err := api("GET", base+"/candidates/cand-ada/export", nil, 200, nil); err != nil {
		return err
	}

	say("Disconnect Lever: webhooks removed, tokens deleted, links removed, what was exported stays in Lever")
	if err := api("DELETE", base+"/connection", nil, 200, nil); err != nil {
		return err
	}
	if err := api("GET", base+"/connection", nil, 200, nil); err != nil {
		return err
	}
	say("Hand the customer's Lever admin the hosted setup page (connect, link positions, exports)")
	var sess struct {
		URL string `json:"url"`
	}
	if err := api("POST", base+"/setup-sessions", map[string]any{
		"returnUrl": st.URL + "/healthz",
		"positions": []map[string]string{{"id": "pos-backend", "title": "Senior Backend Engineer", "location": "Berlin"}, {"id": "pos-frontend", "title": "Frontend Engineer"}},
	}, 201, &sess); err != nil {
		return err
	}
	fmt.Println("   open in a browser (valid 1 h):", sess.URL)
	fmt.Println("\ndemo complete.")
	return nil
}

func short(s string) string {
	if len(s) > 140 {
		return s[:140] + "…"
	}
	return s
}

func api(method, path string, body any, want int, out any) error {
	fmt.Printf("   → %s %s\n", method, path)
	code, raw, err := call(method, st.URL+path, "Bearer "+st.APIKey, body)
	if err != nil {
		return err
	}
	fmt.Printf("   ← %d %s\n", code, indent(raw))
	if code != want {
		return fmt.Errorf("%s %s: got %d, want %d", method, path, code, want)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func apiQuiet(method, path string, out any) error {
	_, raw, err := call(method, st.URL+path, "Bearer "+st.APIKey, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

func send(ev map[string]any) error {
	body, _ := json.Marshal(ev)
	req, _ := http.NewRequest("POST", st.URL+"/v1/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(event.SignatureHeader, event.Sign(st.WebhookSecret, time.Now(), body))
	fmt.Printf("   → POST /v1/events %s (%s)\n", ev["type"], ev["id"])
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	fmt.Printf("   ← %d %s\n", resp.StatusCode, strings.TrimSpace(string(raw)))
	if resp.StatusCode != 202 {
		return fmt.Errorf("event refused: %d", resp.StatusCode)
	}
	return nil
}

func leverToken() (string, error) {
	_, raw, err := call("POST", st.FakeLever+"/_admin/accounts/"+st.FakeAccount+"/tokens", "", map[string]any{})
	if err != nil {
		return "", err
	}
	var t struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.Unmarshal(raw, &t); err != nil || t.AccessToken == "" {
		return "", fmt.Errorf("fake Lever tokens: %s", raw)
	}
	return t.AccessToken, nil
}

func lever(token, path string) error {
	fmt.Printf("   → GET %s%s\n", st.FakeLever, path)
	code, raw, err := call("GET", st.FakeLever+path, "Bearer "+token, nil)
	if err != nil {
		return err
	}
	fmt.Printf("   ← %d %s\n", code, indent(raw))
	return nil
}

func call(method, u, auth string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

func indent(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return strings.TrimSpace(string(raw))
	}
	b, _ := json.MarshalIndent(v, "     ", "  ")
	return string(b)
}

// waitWebhooks waits until the refresher registered the company's Lever
// webhooks in the fake (the OAuth callback queued that refresh) and prints
// them.
func waitWebhooks() error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, raw, err := call("GET", st.FakeLever+"/_admin/accounts/"+st.FakeAccount+"/webhooks", "", nil)
		if err != nil {
			return err
		}
		var hooks []struct {
			Event string `json:"event"`
			URL   string `json:"url"`
		}
		_ = json.Unmarshal(raw, &hooks)
		var mine []string
		for _, h := range hooks {
			if strings.HasSuffix(h.URL, "/"+company) {
				mine = append(mine, h.Event+" → "+h.URL)
			}
		}
		if len(mine) >= 4 {
			fmt.Printf("   → GET %s/_admin/accounts/%s/webhooks\n   ← %s\n", st.FakeLever, st.FakeAccount, strings.Join(mine, "\n     "))
			return nil
		}
		time.Sleep(300 * time.Millisecond)
	}
	return errors.New("the Lever webhooks were not registered within 20s (the refresher registers them after connect)")
}

// hiredReason returns the id of an archive reason of type hired (GET
// /archive_reasons?type=hired).
func hiredReason(token string) (string, error) {
	_, raw, err := call("GET", st.FakeLever+"/v1/archive_reasons?type=hired", "Bearer "+token, nil)
	if err != nil {
		return "", err
	}
	var out struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Data) == 0 {
		return "", fmt.Errorf("no hired archive reason: %s", raw)
	}
	return out.Data[0].ID, nil
}

// showEvent polls the company's outbound events feed until an event of typ
// is in it (the dispatcher records it from the exports table's stream),
// and prints it.
func showEvent(base, typ string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var page struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := apiQuiet("GET", base+"/events?limit=500", &page); err != nil {
			return err
		}
		for _, raw := range page.Events {
			var ev struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(raw, &ev) == nil && ev.Type == typ {
				fmt.Printf("   → GET %s/events\n   ← 200 … %s\n", base, indent(raw))
				return nil
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("no %s in the events feed after 15s", typ)
}
