package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/event"
)

// funcBlock returns the text of "func name(" up to its closing brace at
// the start of a line.
func funcBlock(t *testing.T, src, name string) string {
	t.Helper()
	i := strings.Index(src, "\nfunc "+name+"(")
	if i < 0 {
		t.Fatalf("func %s not found", name)
	}
	j := strings.Index(src[i:], "\n}\n")
	if j < 0 {
		t.Fatalf("func %s has no end", name)
	}
	return src[i : i+j+3]
}

// The receiver verifies with the code docs/events.md gives vendors.
func TestVerifyIsTheDocumentedCode(t *testing.T) {
	doc, err := os.ReadFile("../../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("vendor.go")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	if i := strings.Index(section, "### Verifying a delivery: Go"); i >= 0 {
		section = section[i:]
	} else {
		t.Fatal("docs/events.md has no \"Verifying a delivery: Go\" section")
	}
	if got, want := funcBlock(t, string(src), "verify"), funcBlock(t, section, "verify"); got != want {
		t.Errorf("vendor.go's verify differs from docs/events.md's:\ngot\n%s\nwant\n%s", got, want)
	}
}

func TestVendor(t *testing.T) {
	const secret = "s3cret"
	body := func(id string, seq int64, cand string) string {
		return `{"id":"` + id + `","type":"export.succeeded","companyId":"co","sequence":` + strconv.FormatInt(seq, 10) + `,"data":{"candidateId":"` + cand + `"}}`
	}
	type delivery struct {
		body, sig string
		want      int
	}
	now := time.Now()
	tests := []struct {
		name           string
		failRate       float64
		deliveries     []delivery
		wantAcks       map[string]int
		wantOrder      map[string][]string
		wantOutOfOrder int
		wantStatus     map[string]int
	}{
		{
			name: "signed deliveries in order, one repeated",
			deliveries: []delivery{
				{body: body("e1", 1, "c1"), want: 204},
				{body: body("e2", 2, "c1"), want: 204},
				{body: body("e1", 1, "c1"), want: 204},
			},
			wantAcks:   map[string]int{"e1": 2, "e2": 1},
			wantOrder:  map[string][]string{"co/c1": {"e1", "e2"}},
			wantStatus: map[string]int{"2xx": 3},
		},
		{
			name: "a later event first is out of order",
			deliveries: []delivery{
				{body: body("e2", 2, "c1"), want: 204},
				{body: body("e1", 1, "c1"), want: 204},
				{body: body("e3", 3, "c2"), want: 204},
			},
			wantAcks:       map[string]int{"e1": 1, "e2": 1, "e3": 1},
			wantOrder:      map[string][]string{"co/c1": {"e2", "e1"}, "co/c2": {"e3"}},
			wantOutOfOrder: 1,
			wantStatus:     map[string]int{"2xx": 3},
		},
		{
			name: "a wrong or stale signature is refused and not received",
			deliveries: []delivery{
				{body: body("e1", 1, "c1"), sig: event.Sign("other", now, []byte(body("e1", 1, "c1"))), want: 401},
				{body: body("e1", 1, "c1"), sig: event.Sign(secret, now.Add(-10*time.Minute), []byte(body("e1", 1, "c1"))), want: 401},
			},
			wantAcks:   map[string]int{},
			wantOrder:  map[string][]string{},
			wantStatus: map[string]int{"bad signature": 2},
		},
		{
			name:       "every delivery failed is none received",
			failRate:   1,
			deliveries: []delivery{{body: body("e1", 1, "c1")}, {body: body("e2", 2, "c1")}, {body: body("e3", 3, "c1")}},
			wantAcks:   map[string]int{},
			wantOrder:  map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVendor(secret, tt.failRate, 50*time.Millisecond, 1)
			srv := httptest.NewServer(v)
			defer srv.Close()
			for _, d := range tt.deliveries {
				req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(d.body))
				sig := d.sig
				if sig == "" {
					sig = event.Sign(secret, time.Now(), []byte(d.body))
				}
				req.Header.Set(event.SignatureHeader, sig)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if d.want != 0 && resp.StatusCode != d.want {
					t.Errorf("status %d, want %d", resp.StatusCode, d.want)
				}
				if tt.failRate == 1 && resp.StatusCode < 300 {
					t.Errorf("status %d for a delivery meant to fail", resp.StatusCode)
				}
			}
			s := v.snapshot()
			if !equalMaps(s.acks, tt.wantAcks) {
				t.Errorf("acks %v, want %v", s.acks, tt.wantAcks)
			}
			if len(s.order) != len(tt.wantOrder) {
				t.Errorf("order %v, want %v", s.order, tt.wantOrder)
			}
			for k, ids := range tt.wantOrder {
				if strings.Join(s.order[k], ",") != strings.Join(ids, ",") {
					t.Errorf("order of %s %v, want %v", k, s.order[k], ids)
				}
			}
			if s.outOfOrder != tt.wantOutOfOrder {
				t.Errorf("out of order %d, want %d", s.outOfOrder, tt.wantOutOfOrder)
			}
			if tt.wantStatus != nil && !equalMaps(s.byStatus, tt.wantStatus) {
				t.Errorf("statuses %v, want %v", s.byStatus, tt.wantStatus)
			}
			if tt.failRate == 1 && s.byStatus["5xx"]+s.byStatus["4xx"]+s.byStatus["timeout"] != len(tt.deliveries) {
				t.Errorf("statuses %v, want %d failures", s.byStatus, len(tt.deliveries))
			}
		})
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
