package event

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// SignatureHeader is the header carrying the event signature.
const SignatureHeader = "Leverlink-Signature"

// Tolerance is how far the signature timestamp may be from now.
const Tolerance = 5 * time.Minute

// Sign returns the Leverlink-Signature header value for body at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks header against body with any of secrets (several during
// rotation; the header may carry several v1 values too) at now. Errors are
// apperr Unauthorized with Reason missing_signature, malformed_signature,
// timestamp_out_of_tolerance or signature_mismatch. Comparisons are constant
// time.
func Verify(header string, body []byte, secrets []string, now time.Time) error {
	if header == "" {
		return apperr.E(apperr.Unauthorized, "missing %s header", SignatureHeader).WithReason("missing_signature")
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err == nil && len(b) == sha256.Size {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return apperr.E(apperr.Unauthorized, "malformed %s header: want t=<unix seconds>,v1=<hex>", SignatureHeader).WithReason("malformed_signature")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return apperr.E(apperr.Unauthorized, "signature timestamp is more than %s from now", Tolerance).WithReason("timestamp_out_of_tolerance")
	}
	// Check every pair, without stopping early, in constant time each.
	matched := false
	for _, s := range secrets {
		want, _ := hex.DecodeString(mac(s, ts, body))
		for _, got := range sigs {
			if hmac.Equal(want, got) {
				matched = true
			}
		}
	}
	if !matched {
		return apperr.E(apperr.Unauthorized, "signature does not match").WithReason("signature_mismatch")
	}
	return nil
}
