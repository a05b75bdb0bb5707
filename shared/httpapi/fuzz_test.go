package httpapi

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
)

// acceptAll is an intake that queues every event it is given.
type acceptAll struct{}

func (acceptAll) Accept(context.Context, event.Event) (export.Outcome, error) {
	return export.Outcome{Status: "queued"}, nil
}

// FuzzWebhook sends any signed body through the real webhook handler: the
// answer is never a 5xx, and every refusal is the JSON envelope naming
// what is wrong. It starts from the event decoder's corpus
// (shared/event/testdata/fuzz/FuzzParse), run as a regular test in make
// test; make test-fuzz explores beyond it for a bounded time.
func FuzzWebhook(f *testing.F) {
	for _, seed := range eventCorpus(f) {
		f.Add(seed)
	}
	const secret = "fuzz-secret"
	h := &Webhook{Secrets: KeyFunc(func(context.Context) ([]string, error) { return []string{secret}, nil }), Intake: acceptAll{}, Log: discardLogger()}
	f.Fuzz(func(t *testing.T, body []byte) {
		now := time.Now()
		req := httptest.NewRequest("POST", "/v1/events", bytes.NewReader(body))
		req.Header.Set(event.SignatureHeader, event.Sign(secret, now, body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		if rec.Code >= 400 && !bytes.Contains(rec.Body.Bytes(), []byte(`"code":"`+string(apperr.Invalid)+`"`)) {
			t.Fatalf("status %d without an invalid envelope for %q: %s", rec.Code, body, rec.Body.String())
		}
	})
}

// eventCorpus reads the event decoder's seed corpus (go test fuzz v1 files
// holding one []byte).
func eventCorpus(f *testing.F) [][]byte {
	dir := filepath.Join("..", "event", "testdata", "fuzz", "FuzzParse")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		f.Fatalf("event corpus %s: %v", dir, err)
	}
	var out [][]byte
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			f.Fatal(err)
		}
		_, lit, _ := strings.Cut(strings.TrimSpace(string(b)), "[]byte(")
		s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if err != nil {
			f.Fatalf("%s: %v", en.Name(), err)
		}
		out = append(out, []byte(s))
	}
	return out
}
