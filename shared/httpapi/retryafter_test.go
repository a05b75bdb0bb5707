package httpapi

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestWriteErrorRetryAfter(t *testing.T) {
	withHint := func(code apperr.Code, d time.Duration) error {
		e := apperr.E(code, "the export queue refused the job; retry later")
		e.RetryAfter = d
		return e
	}
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantHeader string
	}{
		{"queue refusal", withHint(apperr.Transient, 30*time.Second), 503, "30"},
		{"rounded up", withHint(apperr.RateLimited, 1500*time.Millisecond), 429, "2"},
		{"no hint", apperr.E(apperr.Transient, "down"), 503, ""},
		{"not for a 400", withHint(apperr.Invalid, time.Second), 400, ""},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, httptest.NewRequest("POST", "/v1/events", nil), log, tt.err)
			if rec.Code != tt.wantStatus || rec.Header().Get("Retry-After") != tt.wantHeader {
				t.Errorf("got %d Retry-After %q, want %d %q", rec.Code, rec.Header().Get("Retry-After"), tt.wantStatus, tt.wantHeader)
			}
		})
	}
}
