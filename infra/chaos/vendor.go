package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/outbox"
)

// verify checks the Leverlink-Signature header of an outbound event.
//
// It is docs/events.md's "Verifying a delivery: Go" code, copied verbatim
// (TestVerifyIsTheDocumentedCode keeps the two equal), so that the chaos
// run proves the documented verification accepts every real delivery.
func verify(secret, header string, body []byte, now time.Time) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := m.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// vendor is the vendor's endpoint (VendorEventsUrl) over real HTTP: it
// verifies every delivery's signature with the documented code, fails a
// share of deliveries (a third each: 5xx, 4xx, no answer until the
// sender gives up) and records what it acknowledged, in order. An event
// counts as received when the vendor answered it 2xx. Safe for concurrent
// use.
type vendor struct {
	secret   string
	failRate float64
	hang     time.Duration // a "timeout" holds the request this long at most

	mu         sync.Mutex
	rng        *mrand.Rand
	deliveries int
	byStatus   map[string]int      // "2xx", "5xx", "4xx", "timeout", "bad signature", "bad body"
	acks       map[string]int      // event id → 2xx answers
	order      map[string][]string // order key (company/candidate) → ids in first-ack order
	lastSeq    map[string]int64    // order key → sequence of the last first-ack
	outOfOrder int                 // first-acks with a lower sequence than an earlier one of their key
	idMismatch int                 // Leverlink-Event-Id header ≠ the envelope's id
}

func newVendor(secret string, failRate float64, hang time.Duration, seed uint64) *vendor {
	return &vendor{
		secret: secret, failRate: failRate, hang: hang, rng: mrand.New(mrand.NewPCG(seed, 2024)),
		byStatus: map[string]int{}, acks: map[string]int{}, order: map[string][]string{}, lastSeq: map[string]int64{},
	}
}

// envelope is what the vendor reads of an outbound event.
type envelope struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CompanyID string `json:"companyId"`
	Sequence  int64  `json:"sequence"`
	Data      struct {
		CandidateID string `json:"candidateId"`
		PostingID   string `json:"postingId"`
	} `json:"data"`
}

// orderKey is the unit of ordering of an event, as the dispatcher orders
// them (outbox.Event.OrderKey): its candidate, its posting for posting.*
// events (outbox.PostingOrderKey), or its company for company-level events.
func orderKey(companyID, candidateID string) string { return companyID + "/" + candidateID }

// eventOrderKey is orderKey for an event of type typ with these data ids.
func eventOrderKey(companyID, typ, candidateID, postingID string) string {
	if candidateID == "" && strings.HasPrefix(typ, "posting.") {
		return orderKey(companyID, outbox.PostingOrderKey(postingID))
	}
	return orderKey(companyID, candidateID)
}

func (v *vendor) count(k string) {
	v.mu.Lock()
	v.byStatus[k]++
	v.mu.Unlock()
}

func (v *vendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	v.mu.Lock()
	v.deliveries++
	v.mu.Unlock()
	if !verify(v.secret, r.Header.Get("Leverlink-Signature"), body, time.Now()) {
		v.count("bad signature")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev envelope
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" || ev.CompanyID == "" || ev.Sequence <= 0 {
		v.count("bad body")
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	v.mu.Lock()
	fail, kind := v.rng.Float64() < v.failRate, v.rng.IntN(3)
	status := []int{500, 502, 503}[v.rng.IntN(3)]
	if kind == 1 {
		status = []int{400, 404, 409, 422}[v.rng.IntN(4)]
	}
	v.mu.Unlock()
	if fail {
		switch kind {
		case 0:
			v.count("5xx")
		case 1:
			v.count("4xx")
		default:
			v.count("timeout")
			select { // until the sender gives up
			case <-r.Context().Done():
			case <-time.After(v.hang):
			}
			status = http.StatusGatewayTimeout
		}
		http.Error(w, "injected failure", status)
		return
	}
	v.mu.Lock()
	v.byStatus["2xx"]++
	if r.Header.Get("Leverlink-Event-Id") != ev.ID {
		v.idMismatch++
	}
	v.acks[ev.ID]++
	if v.acks[ev.ID] == 1 {
		k := eventOrderKey(ev.CompanyID, ev.Type, ev.Data.CandidateID, ev.Data.PostingID)
		if last, ok := v.lastSeq[k]; ok && ev.Sequence < last {
			v.outOfOrder++
		}
		v.lastSeq[k] = max(v.lastSeq[k], ev.Sequence)
		v.order[k] = append(v.order[k], ev.ID)
	}
	v.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// snapshot is a copy of what the vendor recorded.
type vendorSnapshot struct {
	deliveries, outOfOrder, idMismatch int
	byStatus                           map[string]int
	acks                               map[string]int
	order                              map[string][]string
}

func (v *vendor) snapshot() vendorSnapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := vendorSnapshot{deliveries: v.deliveries, outOfOrder: v.outOfOrder, idMismatch: v.idMismatch,
		byStatus: map[string]int{}, acks: map[string]int{}, order: map[string][]string{}}
	for k, n := range v.byStatus {
		s.byStatus[k] = n
	}
	for k, n := range v.acks {
		s.acks[k] = n
	}
	for k, ids := range v.order {
		s.order[k] = append([]string(nil), ids...)
	}
	return s
}
