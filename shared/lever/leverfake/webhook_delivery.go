package leverfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Signed webhook deliveries, triggered by the recruiter actions the fake
// implements through Lever's own API (PUT /opportunities/:id/stage, PUT
// /opportunities/:id/archived). LEVER.md §9 (from Lever's docs):
// POST with a JSON body {id, event, triggeredAt (ms), token (48
// characters), signature, data} and User-Agent Lever-Webhooks; signature =
// hex(HMAC-SHA256(signatureToken, token + triggeredAt)); a non-2xx answer
// is retried, "five times, waiting longer and longer".

// WebhookFaults makes the account's deliveries misbehave: the next Drop
// deliveries are never sent, the next Duplicate are sent twice, every
// delivery waits Delay first, and each one is dropped with probability
// DropRate (the fake's seeded RNG). A fake-only control (assumption: Lever
// loses and repeats deliveries in practice; its delivery history allows
// reruns).
type WebhookFaults struct {
	Drop      int
	Duplicate int
	Delay     time.Duration
	DropRate  float64
}

// SetWebhookFaults sets the account's delivery faults.
func (acc *Account) SetWebhookFaults(wf WebhookFaults) {
	acc.locked(func(a *account) { a.hookFaults = wf })
}

// WebhookDeliveries counts the deliveries the account's webhooks answered
// 2xx to (duplicates included).
func (acc *Account) WebhookDeliveries() int64 {
	var n *atomic.Int64
	acc.locked(func(a *account) { n = &a.hookDelivered })
	return n.Load()
}

// webhookRetries is how often Lever tries a delivery (LEVER.md §9).
const webhookRetries = 5

var hookClient = &http.Client{Timeout: 10 * time.Second}

type hookDelivery struct {
	url  string
	body []byte
	n    int // 1, or 2 for a duplicate
	wait time.Duration
}

func hex48() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// notifyLocked prepares one delivery of event with data to every webhook of
// the account registered for it and sends them in the background. f.mu is
// held.
func (f *Fake) notifyLocked(a *account, event string, data map[string]any) {
	var out []hookDelivery
	for _, h := range a.webhooks {
		if h.Event != event {
			continue
		}
		if a.hookFaults.Drop > 0 {
			a.hookFaults.Drop--
			continue
		}
		if a.hookFaults.DropRate > 0 && f.rng.Float64() < a.hookFaults.DropRate {
			continue
		}
		ts := strconv.FormatInt(f.nowMillis(), 10)
		token := hex48()
		m := hmac.New(sha256.New, []byte(h.SignatureToken))
		m.Write([]byte(token + ts))
		body, _ := json.Marshal(map[string]any{
			"id": f.newID(), "event": event, "triggeredAt": json.Number(ts), "token": token,
			"signature": hex.EncodeToString(m.Sum(nil)), "data": data,
		})
		d := hookDelivery{url: h.URL, body: body, n: 1, wait: a.hookFaults.Delay}
		if a.hookFaults.Duplicate > 0 {
			a.hookFaults.Duplicate--
			d.n = 2
		}
		out = append(out, d)
	}
	counter := &a.hookDelivered
	for _, d := range out {
		go deliver(d, counter)
	}
}

func deliver(d hookDelivery, delivered *atomic.Int64) {
	time.Sleep(d.wait)
	for range d.n {
		backoff := 100 * time.Millisecond
		for try := 0; try < webhookRetries; try++ {
			req, _ := http.NewRequest(http.MethodPost, d.url, bytes.NewReader(d.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "Lever-Webhooks")
			resp, err := hookClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode >= 200 && resp.StatusCode < 300 {
					delivered.Add(1)
					break
				}
			}
			time.Sleep(backoff)
			backoff *= 2
		}
	}
}

// stageChangedLocked notifies candidateStageChange: data {opportunityId,
// candidateId, contactId, toStageId, fromStageId} (LEVER.md §9, from the
// docs; candidateId equals the opportunity id since the migration).
func (f *Fake) stageChangedLocked(a *account, o *Opportunity, from string) {
	f.notifyLocked(a, "candidateStageChange", map[string]any{
		"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.Contact, "toStageId": o.Stage, "fromStageId": from,
	})
}

// archiveChangedLocked notifies candidateArchiveChange with the previous
// and new archive state (LEVER.md §9 ⚠: the docs collapse this payload;
// assumed shape {opportunityId, candidateId, contactId, fromArchived,
// toArchived}, each {reason, archivedAt} or null), and candidateHired when
// the new reason is of type hired (assumed data {opportunityId,
// candidateId, contactId}).
func (f *Fake) archiveChangedLocked(a *account, o *Opportunity, prev *Archived) {
	var to *Archived
	if o.Archived != nil {
		c := *o.Archived
		to = &c
	}
	f.notifyLocked(a, "candidateArchiveChange", map[string]any{
		"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.Contact, "fromArchived": prev, "toArchived": to,
	})
	if to == nil {
		return
	}
	for _, r := range a.archiveReasons {
		if r.ID == to.Reason && r.Type == "hired" {
			f.notifyLocked(a, "candidateHired", map[string]any{"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.Contact})
		}
	}
}
