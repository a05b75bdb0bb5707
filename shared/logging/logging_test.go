package logging

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedaction(t *testing.T) {
	tests := []struct {
		name    string
		log     func(l *slog.Logger, ctx context.Context)
		want    []string
		wantNot []string
	}{
		{
			name: "secret keys",
			log: func(l *slog.Logger, ctx context.Context) {
				l.InfoContext(ctx, "x", "access_token", "s3cr3t", "client_secret", "abc")
			},
			want:    []string{Redacted},
			wantNot: []string{"s3cr3t", "abc"},
		},
		{
			name: "email in a message attribute",
			log: func(l *slog.Logger, ctx context.Context) {
				l.InfoContext(ctx, "x", "err", errors.New("user jane.doe@example.com not found"))
			},
			want:    []string{"[EMAIL]"},
			wantNot: []string{"jane.doe@example.com"},
		},
		{
			name: "bearer token inside a string",
			log: func(l *slog.Logger, ctx context.Context) {
				l.InfoContext(ctx, "x", "detail", "sent Bearer abc.def-ghi")
			},
			wantNot: []string{"abc.def-ghi"},
		},
		{
			name: "jwt inside a string",
			log: func(l *slog.Logger, ctx context.Context) {
				l.InfoContext(ctx, "x", "detail", "eyJhbGciOi.eyJzdWIiOi.c2ln")
			},
			wantNot: []string{"eyJzdWIiOi"},
		},
		{
			name: "the stable error code is logged, OAuth codes are not",
			log: func(l *slog.Logger, ctx context.Context) {
				l.InfoContext(ctx, "x", "code", "invalid", "oauth_code", "oc-secret1",
					"url", "https://leverlink.example/oauth/lever/callback?code=oc-secret2&state=st-secret3")
				l.WithGroup("oauth").InfoContext(ctx, "y", "code", "oc-secret4")
			},
			want:    []string{`"code":"invalid"`, "code=" + Redacted},
			wantNot: []string{"oc-secret1", "oc-secret2", "st-secret3", "oc-secret4"},
		},
		{
			name: "identifiers are kept and request id added",
			log: func(l *slog.Logger, ctx context.Context) {
				l.InfoContext(WithRequestID(ctx, "req-42"), "x", "company_id", "acme", "candidateId", "c1")
			},
			want: []string{`"company_id":"acme"`, `"candidateId":"c1"`, `"request_id":"req-42"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(New(&buf, slog.LevelInfo), context.Background())
			got := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("log %s: want it to contain %q", got, w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("log %s: must not contain %q", got, w)
				}
			}
		})
	}
}
