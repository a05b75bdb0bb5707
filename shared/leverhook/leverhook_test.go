package leverhook_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/leverhook"
)

const sigToken = "3f1a9c2e7b6d4058a1c2e3f4a5b6c7d8"

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// body builds a delivery as Lever documents it (candidateStageChange data:
// {opportunityId, candidateId, contactId, toStageId, fromStageId}).
func body(triggeredAt, token, signature string) []byte {
	return fmt.Appendf(nil, `{"id":"d1","event":"candidateStageChange","triggeredAt":%s,"token":%q,"signature":%q,`+
		`"data":{"opportunityId":"o1","candidateId":"o1","contactId":"c1","toStageId":"offer","fromStageId":"lead-new"}}`,
		triggeredAt, token, signature)
}

func TestVerify(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef0123456789abcdef" // 48 characters, as Lever's
	ts := fmt.Sprint(now.Add(-time.Minute).UnixMilli())
	good := leverhook.Sign(sigToken, token, ts)
	tests := []struct {
		name       string
		body       []byte
		key        string
		wantCode   apperr.Code
		wantReason string
		wantField  string
	}{
		{"signed and fresh", body(ts, token, good), sigToken, "", "", ""},
		{"another webhook's token", body(ts, token, good), "other-token", apperr.Unauthorized, "signature_mismatch", ""},
		{"signature of another time", body(fmt.Sprint(now.UnixMilli()), token, good), sigToken, apperr.Unauthorized, "signature_mismatch", ""},
		{"unsigned", body(ts, token, ""), sigToken, apperr.Unauthorized, "missing_signature", ""},
		{"no token", body(ts, "", good), sigToken, apperr.Unauthorized, "missing_signature", ""},
		{"not hex", body(ts, token, "zz"), sigToken, apperr.Unauthorized, "signature_mismatch", ""},
		{"stale", func() []byte {
			old := fmt.Sprint(now.Add(-2 * time.Hour).UnixMilli())
			return body(old, token, leverhook.Sign(sigToken, token, old))
		}(), sigToken, apperr.Unauthorized, "stale", ""},
		{"from the future", func() []byte {
			f := fmt.Sprint(now.Add(5 * time.Minute).UnixMilli())
			return body(f, token, leverhook.Sign(sigToken, token, f))
		}(), sigToken, apperr.Unauthorized, "stale", ""},
		{"not JSON", []byte("nope"), sigToken, apperr.Invalid, "", "body"},
		{"no data", []byte(`{"id":"d1","event":"candidateHired","triggeredAt":1,"token":"t","signature":"s"}`), sigToken, apperr.Invalid, "", "data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := leverhook.Verify(tt.body, tt.key, now, time.Hour)
			if got := apperr.CodeOf(err); got != tt.wantCode {
				t.Fatalf("Verify: code %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				if r := apperr.ReasonOf(err); r != tt.wantReason {
					t.Errorf("reason = %q, want %q", r, tt.wantReason)
				}
				if e := apperr.As(err); tt.wantField != "" && e.Field != tt.wantField {
					t.Errorf("field = %q, want %q", e.Field, tt.wantField)
				}
				return
			}
			if d.Event != leverhook.CandidateStageChange || d.TriggeredAt.String() != ts {
				t.Errorf("delivery = %+v", d)
			}
		})
	}
}

// A large triggeredAt keeps its exact digits (a float64 would print it in
// exponent form and break the signature).
func TestTriggeredAtIsExact(t *testing.T) {
	const ts = "1767225600123"
	d, err := leverhook.Verify(body(ts, "tok", leverhook.Sign(sigToken, "tok", ts)), sigToken, time.UnixMilli(1767225600123), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := d.At()
	if at.UnixMilli() != 1767225600123 {
		t.Errorf("At = %v", at)
	}
}
