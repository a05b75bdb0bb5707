package resume

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestFetch(t *testing.T) {
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("elsewhere")) }))
	defer other.Close()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cv.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write([]byte("%PDF-1.4"))
		case "/big.pdf":
			_, _ = w.Write([]byte(strings.Repeat("x", 11)))
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/forbidden":
			w.WriteHeader(http.StatusForbidden)
		case "/broken":
			w.WriteHeader(http.StatusBadGateway)
		case "/away":
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/cv.pdf", http.StatusFound)
		}
	}))
	defer srv.Close()
	f := &Fetcher{Hosts: []string{"127.0.0.1"}, Client: srv.Client(), MaxSize: 10}
	tests := []struct {
		name     string
		url      string
		wantCode apperr.Code
		wantData string
	}{
		{"allowed host", srv.URL + "/cv.pdf", "", "%PDF-1.4"},
		{"plain http", strings.Replace(srv.URL, "https:", "http:", 1) + "/cv.pdf", apperr.Invalid, ""},
		{"host not allowed", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/cv.pdf", apperr.Invalid, ""},
		{"too large", srv.URL + "/big.pdf", apperr.Invalid, ""},
		{"gone", srv.URL + "/gone", apperr.NotFound, ""},
		{"refused", srv.URL + "/forbidden", apperr.Invalid, ""},
		{"server error", srv.URL + "/broken", apperr.Transient, ""},
		{"redirect to another host", srv.URL + "/away", apperr.Transient, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, ct, err := f.Fetch(context.Background(), tt.url)
			if got := apperr.CodeOf(err); tt.wantCode != "" && got != tt.wantCode {
				t.Fatalf("Fetch: got %v (code %q), want code %q", err, got, tt.wantCode)
			}
			if tt.wantCode == "" {
				if err != nil || string(data) != tt.wantData || ct != "application/pdf" {
					t.Fatalf("Fetch: got %q %q %v, want %q application/pdf", data, ct, err, tt.wantData)
				}
			}
		})
	}
}
