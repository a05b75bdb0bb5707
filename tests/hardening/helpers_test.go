package hardening

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/event"
)

const company = "acme"

var seq atomic.Int64

func evtID() string { return fmt.Sprintf("evt-%d-%d", time.Now().UnixNano(), seq.Add(1)) }

func now() string { return time.Now().UTC().Format(time.RFC3339) }

// envelope is the JSON error envelope.
type envelope struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
		Reason  string `json:"reason"`
	} `json:"error"`
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
	env    envelope
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.status, a.body) }

// serve sends a request to h and decodes the envelope when it is JSON.
func serve(t *testing.T, h http.Handler, req *http.Request) answer {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(a.body, &a.env)
	}
	return a
}

// api sends an authenticated management API request with a raw body.
func api(t *testing.T, e *apptest.Env, method, target, body string) answer {
	t.Helper()
	req := httptest.NewRequest(method, "http://x/", strings.NewReader(body))
	if err := setTarget(req, target); err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apptest.APIKey)
	return serve(t, e.API, req)
}

// setTarget sets a raw request target (escaped path and query) on req,
// keeping bytes a client can send that net/url would reject or clean.
func setTarget(req *http.Request, target string) error {
	path, query, _ := strings.Cut(target, "?")
	u, err := url.Parse("http://x" + path) // not req.URL.Parse: it would resolve dot segments
	if err != nil {
		return err
	}
	u.RawQuery = query
	req.URL = u
	req.RequestURI = target
	return nil
}

// webhook posts a signed raw body.
func webhook(t *testing.T, e *apptest.Env, body string) answer {
	t.Helper()
	req := httptest.NewRequest("POST", "/v1/events", bytes.NewReader([]byte(body)))
	req.Header.Set(event.SignatureHeader, event.Sign(apptest.WebhookSecret, time.Now(), []byte(body)))
	return serve(t, e.Webhook, req)
}

// candEvent is a candidate.contact_accepted event for company with the
// candidate given as raw JSON.
func candEvent(candidate string) string {
	return fmt.Sprintf(`{"id":%q,"type":"candidate.contact_accepted","occurredAt":%q,"companyId":%q,"data":{"candidate":%s}}`,
		evtID(), now(), company, candidate)
}
