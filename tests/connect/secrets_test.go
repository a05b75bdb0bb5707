package connect_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/httpapi"
)

// TestTokensNeverInClear connects, refreshes (rotation), and revokes; every
// plaintext token ever issued (access and refresh, before and after
// rotation) is absent from every raw DynamoDB item of every table, from the
// captured logs, from API answers and from the callback redirect. The
// sealed attributes are binary and the item has no other token attribute.
func TestTokensNeverInClear(t *testing.T) {
	t.Parallel()
	e, acct := newEnv(t)
	var answers []string
	loc := e.Connect("acme", nil)
	if loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: got %v", loc)
	}
	answers = append(answers, loc.String())
	linkAll(t, e, "acme")

	seen := map[string]string{}
	collect := func(when string) {
		a, r := tokens(t, e, "acme")
		seen[when+" access"], seen[when+" refresh"] = a, r
	}
	collect("first")

	// Rotation.
	expireStored(t, e, acct, "acme")
	if _, err := e.App.Vault.AccessToken(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	collect("rotated")
	if seen["first refresh"] == seen["rotated refresh"] {
		t.Fatal("refresh token was not rotated")
	}

	item := rawConnection(t, e, "acme")
	for _, attr := range []string{"sealedAccess", "sealedRefresh"} {
		if _, ok := item[attr].(*types.AttributeValueMemberB); !ok {
			t.Errorf("%s: got %T, want a binary attribute", attr, item[attr])
		}
	}
	for name := range item {
		if l := strings.ToLower(name); (strings.Contains(l, "token") || strings.Contains(l, "secret")) && name != "tokenRefreshedAt" {
			t.Errorf("connection item has a plain attribute %q", name)
		}
	}
	check := func(when string) {
		for table, items := range scanAll(t, e) {
			for _, it := range items {
				for attr, av := range it {
					for what, tok := range seen {
						// The token, and the JWT's signature part alone.
						parts := strings.Split(tok, ".")
						for _, needle := range []string{tok, parts[len(parts)-1]} {
							if attrContains(av, needle) {
								t.Errorf("%s: %s token found in table %s attribute %s", when, what, table, attr)
							}
						}
					}
				}
			}
		}
	}
	check("connected")

	// API answers (connection view, postings, links) never carry tokens.
	for _, p := range []string{"/connection", "/postings", "/links"} {
		var raw map[string]any
		e.Do("GET", "/v1/companies/acme"+p, nil, &raw)
		answers = append(answers, toJSON(raw))
	}

	// Revocation (which logs and errors) must not leak either.
	e.Fake.Revoke(acct.ID)
	var out httpapi.ErrorBody
	if code := e.Do("POST", "/v1/companies/acme/postings/reload", nil, &out); code != http.StatusUnprocessableEntity {
		t.Fatalf("reload after revocation: got %d, want 422", code)
	}
	answers = append(answers, out.Error.Message)
	check("revoked")

	logs := e.Logs.String()
	if !strings.Contains(logs, "lever connected") || !strings.Contains(logs, "lever token refreshed") || !strings.Contains(logs, "lever connection revoked") {
		t.Fatalf("the logs were not captured as expected:\n%s", logs)
	}
	for what, tok := range seen {
		parts := strings.Split(tok, ".")
		for _, needle := range []string{tok, parts[len(parts)-1]} {
			if strings.Contains(logs, needle) {
				t.Errorf("%s token found in the logs", what)
			}
			for _, a := range answers {
				if strings.Contains(a, needle) {
					t.Errorf("%s token found in an answer", what)
				}
			}
		}
	}
}
