// Package logging builds leverlink's log/slog JSON logger: request ids carried
// in the context, and redaction of secrets and email addresses whatever
// attribute they are logged under.
package logging

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
)

type ctxKey struct{}

// WithRequestID returns ctx carrying the request id (API Gateway request id,
// SQS message id, event id) that every log line made with ctx will include.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(string)
	return s
}

// New returns a JSON logger writing to w at level, adding request_id from the
// context and redacting secrets and emails. Safe for concurrent use.
func New(w io.Writer, level slog.Level) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redact})
	return slog.New(contextHandler{h})
}

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}

// Redacted is what replaces a secret value.
const Redacted = "[REDACTED]"

var secretKeys = []string{"token", "secret", "password", "authorization", "apikey", "api_key", "key", "signature", "cookie", "email", "body", "verifier"}

// oauthCodeKeys are keys that hold an OAuth authorization code: "code" alone
// is the stable error code of an answer (logged on purpose), so OAuth codes
// are recognised by their context (oauth_code, auth_code, a "code" inside an
// "oauth" group, a code= query parameter in a URL), not by the word.
var oauthCodeKeys = []string{"oauth_code", "auth_code", "authcode", "grant_code", "lever_code"}

// codeParamRe finds an OAuth code (or state) query parameter inside a URL.
var codeParamRe = regexp.MustCompile(`([?&](?:code|state|code_verifier)=)[^&#\s"]+`)

// emailRe finds email addresses inside any string value.
var emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// bearerRe finds bearer credentials and JWT-looking strings inside values.
var bearerRe = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=\-]+|eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`)

// SecretKey reports whether an attribute key names a secret or PII value.
// Keys ending in "_id" or "id" (identifiers) are never secret.
func SecretKey(k string) bool {
	k = strings.ToLower(k)
	if strings.HasSuffix(k, "id") || strings.HasSuffix(k, "_ids") || k == "key_count" {
		return false
	}
	for _, s := range secretKeys {
		if strings.Contains(k, s) {
			return true
		}
	}
	for _, s := range oauthCodeKeys {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// inOAuth reports whether an attribute is logged inside an OAuth group.
func inOAuth(groups []string) bool {
	for _, g := range groups {
		if strings.Contains(strings.ToLower(g), "oauth") {
			return true
		}
	}
	return false
}

func redact(groups []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindGroup {
		return a
	}
	if SecretKey(a.Key) || (strings.EqualFold(a.Key, "code") && inOAuth(groups)) {
		return slog.String(a.Key, Redacted)
	}
	if a.Value.Kind() == slog.KindString || a.Value.Kind() == slog.KindAny {
		s := a.Value.String()
		if r := Scrub(s); r != s {
			return slog.String(a.Key, r)
		}
	}
	return a
}

// Scrub replaces email addresses, bearer tokens / JWTs and OAuth code,
// state and code_verifier query parameters inside s.
func Scrub(s string) string {
	s = emailRe.ReplaceAllString(s, "[EMAIL]")
	s = codeParamRe.ReplaceAllString(s, "${1}"+Redacted)
	return bearerRe.ReplaceAllString(s, Redacted)
}
