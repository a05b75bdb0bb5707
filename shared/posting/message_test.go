package posting_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/posting"
)

func TestRefreshRequestRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 30, 18, 0, 0, 123, time.UTC)
	for _, ids := range [][]string{{"acme"}, {"co-1_x.y", `quo"te`, "café"}, slices.Repeat([]string{strings.Repeat("x", 128)}, posting.MaxRequestCompanies)} {
		payload := posting.EncodeRefreshRequest(ids, at)
		if !posting.IsRefreshRequest(payload) {
			t.Fatalf("IsRefreshRequest(%.60s…) = false", payload)
		}
		got, err := posting.DecodeRefreshRequest(payload)
		if err != nil || !slices.Equal(got.CompanyIDs, ids) || !got.RequestedAt.Equal(at) {
			t.Errorf("DecodeRefreshRequest(EncodeRefreshRequest(%d ids)): got %d ids at %v, %v", len(ids), len(got.CompanyIDs), got.RequestedAt, err)
		}
		if len(payload) > 256<<10 {
			t.Errorf("payload of %d ids is %d bytes, over Lambda's 256 KB asynchronous limit", len(ids), len(payload))
		}
	}
}

func TestEncodeRefreshRequestFormat(t *testing.T) {
	got := string(posting.EncodeRefreshRequest([]string{"acme"}, time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)))
	if want := `{"kind":"postings.refresh","companyIds":["acme"],"requestedAt":"2026-11-30T18:00:00Z"}`; got != want {
		t.Errorf("EncodeRefreshRequest: got %s, want %s", got, want)
	}
}

func TestDecodeRefreshRequestRefuses(t *testing.T) {
	const at = `"requestedAt":"2026-11-30T18:00:00Z"`
	tests := []struct{ name, body, field string }{
		{"not json", `not json`, "body"},
		{"no kind", `{"companyIds":["a"],` + at + `}`, "kind"},
		{"other kind", `{"kind":"x","companyIds":["a"],` + at + `}`, "kind"},
		{"no companies", `{"kind":"postings.refresh","companyIds":[],` + at + `}`, "companyIds"},
		{"companies missing", `{"kind":"postings.refresh",` + at + `}`, "companyIds"},
		{"too many", `{"kind":"postings.refresh","companyIds":["a"` + strings.Repeat(`,"a"`, posting.MaxRequestCompanies) + `],` + at + `}`, "companyIds"},
		{"bad id", `{"kind":"postings.refresh","companyIds":["a","b/c"],` + at + `}`, "companyIds[1]"},
		{"wrong type", `{"kind":"postings.refresh","companyIds":"a",` + at + `}`, "companyIds"},
		{"no time", `{"kind":"postings.refresh","companyIds":["a"]}`, "requestedAt"},
		{"unknown field", `{"kind":"postings.refresh","companyIds":["a"],` + at + `,"companyId":"a"}`, "companyId"},
		{"trailing data", `{"kind":"postings.refresh","companyIds":["a"],` + at + `} {}`, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := posting.DecodeRefreshRequest([]byte(tt.body))
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != tt.field {
				t.Errorf("DecodeRefreshRequest(%.80s): got %v, want Invalid naming %s", tt.body, err, tt.field)
			}
		})
	}
}

func TestIsRefreshRequest(t *testing.T) {
	for _, tt := range []struct {
		payload string
		want    bool
	}{
		{`{}`, false}, // EventBridge Scheduler's default input
		{`{"source":"aws.scheduler"}`, false},
		{`{"kind":"postings.refresh"}`, true}, // then refused by DecodeRefreshRequest
		{`{"kind":"other"}`, false},
		{`[]`, false},
		{``, false},
	} {
		if got := posting.IsRefreshRequest([]byte(tt.payload)); got != tt.want {
			t.Errorf("IsRefreshRequest(%s) = %v, want %v", tt.payload, got, tt.want)
		}
	}
}

func TestRequestChunks(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("co-", i)
		}
		return out
	}
	tests := []struct {
		companies int
		want      []int // chunk sizes
	}{
		{0, nil},
		{1, []int{1}},
		{10, []int{10}},
		{11, []int{6, 5}},
		{24, []int{8, 8, 8}},
		{1000, []int{334, 334, 332}},
		{1500, []int{500, 500, 500}},
		{1501, []int{376, 376, 376, 373}},
		{5000, slices.Repeat([]int{500}, 10)},
	}
	for _, tt := range tests {
		in := ids(tt.companies)
		chunks := posting.RequestChunks(in)
		var sizes []int
		var flat []string
		for _, c := range chunks {
			sizes = append(sizes, len(c))
			flat = append(flat, c...)
		}
		if !slices.Equal(sizes, tt.want) || !slices.Equal(flat, in) {
			t.Errorf("RequestChunks(%d ids): sizes %v, want %v (order kept: %v)", tt.companies, sizes, tt.want, slices.Equal(flat, in))
		}
	}
}
