package resume

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
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
	f := &Fetcher{Hosts: []string{"127.0.0.1"}, Client: srv.Client(), MaxSize: 10, AllowLoopback: true}
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

// TestFetchRefusesNonPublicAddresses: an allowed host name that resolves to
// loopback (as a rebinding DNS answer would) is never connected to unless
// the test-only allowance is set; no hosts configured refuses every URL.
func TestFetchRefusesNonPublicAddresses(t *testing.T) {
	hit := false
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hit = true }))
	defer srv.Close()
	for name, f := range map[string]*Fetcher{
		"loopback by IP":   {Hosts: []string{"127.0.0.1"}, Client: srv.Client()},
		"loopback by name": {Hosts: []string{"localhost"}, Client: srv.Client()},
		"no hosts":         {Client: srv.Client(), AllowLoopback: true},
	} {
		u := srv.URL + "/cv.pdf"
		if name == "loopback by name" {
			u = strings.Replace(u, "127.0.0.1", "localhost", 1)
		}
		_, _, err := f.Fetch(context.Background(), u)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "candidate.resume.url" {
			t.Errorf("%s: got %v, want invalid candidate.resume.url", name, err)
		}
	}
	if hit {
		t.Error("a refused address was connected to")
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:2800:220:1::1": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "0.0.0.0": false, "::": false,
		"100.64.0.1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "224.0.0.1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr), false); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}
