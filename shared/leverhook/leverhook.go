// Package leverhook reads Lever's webhook deliveries: it parses a delivery
// and verifies it with the webhook's signature token as Lever documents
// (Lever docs "Webhooks"; ../shared/LEVER.md §9 and Turn 2):
//
//   - the body is JSON {id, event, triggeredAt, token, signature, data};
//   - signature = hex(HMAC-SHA256(key = signatureToken, token + triggeredAt)),
//     carried in the body (not a header, not over the raw body);
//   - triggeredAt is epoch milliseconds, decoded as a json.Number so that it
//     is concatenated exactly as sent (a float64 would change its text);
//   - Lever suggests checking the timestamp (and caching tokens) against
//     replays.
//
// It is the first part of Lever → leverlink sync-back (tool issue 11, item
// 4); registration, the route and the poll fallback are not built yet.
package leverhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Lever's webhook events leverlink subscribes to (LEVER.md §9).
const (
	CandidateStageChange   = "candidateStageChange"
	CandidateArchiveChange = "candidateArchiveChange"
	CandidateHired         = "candidateHired"
	CandidateDeleted       = "candidateDeleted"
)

// Delivery is one webhook request body.
type Delivery struct {
	ID          string          `json:"id"`
	Event       string          `json:"event"`
	TriggeredAt json.Number     `json:"triggeredAt"`
	Token       string          `json:"token"`
	Signature   string          `json:"signature"`
	Data        json.RawMessage `json:"data"`
}

// At is when Lever triggered the delivery.
func (d Delivery) At() (time.Time, error) {
	ms, err := strconv.ParseInt(d.TriggeredAt.String(), 10, 64)
	if err != nil {
		return time.Time{}, apperr.InvalidField("triggeredAt", "must be epoch milliseconds")
	}
	return time.UnixMilli(ms).UTC(), nil
}

// Sign returns the signature Lever puts in a delivery: hex
// HMAC-SHA256(signatureToken, token + triggeredAt). Pure.
func Sign(signatureToken, token, triggeredAt string) string {
	m := hmac.New(sha256.New, []byte(signatureToken))
	m.Write([]byte(token + triggeredAt))
	return hex.EncodeToString(m.Sum(nil))
}

// Parse decodes a delivery body. Errors: apperr Invalid naming "body" (not
// JSON) or the first missing field (id, event, triggeredAt, data).
func Parse(body []byte) (Delivery, error) {
	var d Delivery
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return Delivery{}, apperr.InvalidField("body", "not a Lever webhook delivery: %v", err)
	}
	for _, f := range []struct{ name, v string }{{"id", d.ID}, {"event", d.Event}, {"triggeredAt", d.TriggeredAt.String()}} {
		if f.v == "" {
			return Delivery{}, apperr.InvalidField(f.name, "%s is required", f.name)
		}
	}
	if len(d.Data) == 0 {
		return Delivery{}, apperr.InvalidField("data", "data is required")
	}
	return d, nil
}

// Verify parses body and checks its signature with signatureToken (the
// token Lever returned when the webhook was created) and that it was
// triggered within maxAge of now (and not more than a minute ahead).
// Errors: Parse's; apperr Unauthorized with Reason missing_signature (no
// token or signature), signature_mismatch, or stale (outside the window).
// The comparison is constant time.
func Verify(body []byte, signatureToken string, now time.Time, maxAge time.Duration) (Delivery, error) {
	d, err := Parse(body)
	if err != nil {
		return Delivery{}, err
	}
	if d.Token == "" || d.Signature == "" || signatureToken == "" {
		return Delivery{}, apperr.E(apperr.Unauthorized, "unsigned Lever webhook delivery").WithReason("missing_signature")
	}
	got, herr := hex.DecodeString(d.Signature)
	want, _ := hex.DecodeString(Sign(signatureToken, d.Token, d.TriggeredAt.String()))
	if herr != nil || !hmac.Equal(got, want) {
		return Delivery{}, apperr.E(apperr.Unauthorized, "Lever webhook signature does not match").WithReason("signature_mismatch")
	}
	at, err := d.At()
	if err != nil {
		return Delivery{}, err
	}
	if age := now.Sub(at); age > maxAge || age < -time.Minute {
		return Delivery{}, apperr.E(apperr.Unauthorized, "Lever webhook delivery triggered %s ago, outside %s", age.Round(time.Second), maxAge).WithReason("stale")
	}
	return d, nil
}
