package connect_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// newEnv builds an isolated leverlink with one fake Lever account that
// consents on /authorize and holds one published posting.
func newEnv(t *testing.T, opts ...apptest.Option) (*apptest.Env, *leverfake.Account) {
	t.Helper()
	e := apptest.New(t, opts...)
	acct := e.Fake.NewAccount("Acme")
	e.Fake.SetConsentAccount(acct.ID)
	acct.AddPosting(leverfake.Posting{Text: "Backend Engineer", State: "published"})
	acct.AddPosting(leverfake.Posting{Text: "Frontend Engineer", State: "published"})
	return e, acct
}

// mustConnect runs the OAuth round trip and fails unless it connected.
func mustConnect(t *testing.T, e *apptest.Env, companyID string) {
	t.Helper()
	loc := e.Connect(companyID, nil)
	if loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect %s: got redirect %v, want status=connected\nlogs:\n%s", companyID, loc, e.Logs.String())
	}
}

// view returns GET /connection.
func view(t *testing.T, e *apptest.Env, companyID string) connection.View {
	t.Helper()
	var v connection.View
	if code := e.Do("GET", "/v1/companies/"+companyID+"/connection", nil, &v); code != http.StatusOK {
		t.Fatalf("GET %s/connection: got status %d, want 200", companyID, code)
	}
	return v
}

// linkAll reloads the postings and links one position per posting; it
// returns the position ids.
func linkAll(t *testing.T, e *apptest.Env, companyID string) []string {
	t.Helper()
	var list struct {
		Postings []struct {
			ID string `json:"id"`
		} `json:"postings"`
	}
	if code := e.Do("POST", "/v1/companies/"+companyID+"/postings/reload", nil, &list); code != http.StatusOK || len(list.Postings) == 0 {
		t.Fatalf("reload %s: got %d with %d postings, want 200 with some", companyID, code, len(list.Postings))
	}
	var positions []string
	for i, p := range list.Postings {
		pos := companyID + "-pos-" + string(rune('a'+i))
		if code := e.Do("PUT", "/v1/companies/"+companyID+"/links/"+pos, map[string]any{"postingId": p.ID}, nil); code != http.StatusOK {
			t.Fatalf("link %s → %s: got %d, want 200", pos, p.ID, code)
		}
		positions = append(positions, pos)
	}
	return positions
}

// links returns the position ids of GET /links.
func links(t *testing.T, e *apptest.Env, companyID string) []string {
	t.Helper()
	var out struct {
		Links []struct {
			PositionID string `json:"positionId"`
		} `json:"links"`
	}
	if code := e.Do("GET", "/v1/companies/"+companyID+"/links", nil, &out); code != http.StatusOK {
		t.Fatalf("GET %s/links: got %d, want 200", companyID, code)
	}
	ids := []string{}
	for _, l := range out.Links {
		ids = append(ids, l.PositionID)
	}
	return ids
}

// db returns a raw DynamoDB client on the emulator.
func db(t *testing.T) *dynamodb.Client {
	t.Helper()
	c, err := dynamo.NewClient(context.Background(), os.Getenv("DYNAMODB_ENDPOINT"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawConnection reads the company's connection item as stored (nil when
// there is none).
func rawConnection(t *testing.T, e *apptest.Env, companyID string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db(t).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(e.App.Config.ConnectionsTable),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: companyID}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("get raw connection %s: %v", companyID, err)
	}
	return out.Item
}

// scanAll returns every item of every table of the env.
func scanAll(t *testing.T, e *apptest.Env) map[string][]map[string]types.AttributeValue {
	t.Helper()
	c := db(t)
	out := map[string][]map[string]types.AttributeValue{}
	cfg := e.App.Config
	for _, table := range []string{cfg.ConnectionsTable, cfg.LinksTable, cfg.ExportsTable, cfg.EventsTable} {
		p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			out[table] = append(out[table], page.Items...)
		}
	}
	return out
}

// attrContains reports whether any attribute (nested or binary) holds s.
func attrContains(av types.AttributeValue, s string) bool {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return strings.Contains(v.Value, s)
	case *types.AttributeValueMemberB:
		return strings.Contains(string(v.Value), s)
	case *types.AttributeValueMemberSS:
		for _, x := range v.Value {
			if strings.Contains(x, s) {
				return true
			}
		}
	case *types.AttributeValueMemberBS:
		for _, x := range v.Value {
			if strings.Contains(string(x), s) {
				return true
			}
		}
	case *types.AttributeValueMemberL:
		for _, x := range v.Value {
			if attrContains(x, s) {
				return true
			}
		}
	case *types.AttributeValueMemberM:
		for k, x := range v.Value {
			if strings.Contains(k, s) || attrContains(x, s) {
				return true
			}
		}
	}
	return false
}

// tokens returns the company's current plaintext tokens, opened from the
// stored item with the app's sealer (the test's only way to learn them).
func tokens(t *testing.T, e *apptest.Env, companyID string) (access, refresh string) {
	t.Helper()
	c, err := e.App.Connections.Get(context.Background(), companyID)
	if err != nil {
		t.Fatalf("get connection %s: %v", companyID, err)
	}
	if access, err = e.App.Vault.Sealer.Open(companyID, c.SealedAccess); err != nil {
		t.Fatalf("open access token: %v", err)
	}
	if refresh, err = e.App.Vault.Sealer.Open(companyID, c.SealedRefresh); err != nil {
		t.Fatalf("open refresh token: %v", err)
	}
	if access == "" || refresh == "" {
		t.Fatalf("company %s: got empty tokens (access %t, refresh %t)", companyID, access != "", refresh != "")
	}
	return access, refresh
}

// authorizeURL asks for an authorize URL and returns it with its state.
func authorizeURL(t *testing.T, e *apptest.Env, companyID string, body map[string]any) (string, string) {
	t.Helper()
	if body == nil {
		body = map[string]any{"returnUrl": apptest.ReturnURL, "environment": "production"}
	}
	var got struct {
		AuthorizeURL string `json:"authorizeUrl"`
	}
	if code := e.Do("POST", "/v1/companies/"+companyID+"/connection/authorize", body, &got); code != http.StatusOK {
		t.Fatalf("authorize %s: got status %d, want 200", companyID, code)
	}
	leverURL := e.StartFlow(got.AuthorizeURL) // the admin's browser opens the start link
	u, err := url.Parse(leverURL)
	if err != nil || u.Query().Get("state") == "" {
		t.Fatalf("authorize %s: got URL %q, want one with a state", companyID, leverURL)
	}
	return leverURL, u.Query().Get("state")
}

// consent visits an authorize URL at the fake and returns the query it
// sends back to the callback (code and state, or error and state), without
// delivering it.
func consent(t *testing.T, authorizeURL string) url.Values {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("fake authorize: got %d %q, want a 302", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// callback delivers a query to the OAuth callback and returns the raw answer.
func callback(e *apptest.Env, q url.Values) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/oauth/lever/callback?"+q.Encode(), nil)
	e.AddFlowCookie(req) // the same browser
	e.Callback.ServeHTTP(rec, req)
	return rec
}

// apiServer serves handler over real HTTP for the test's lifetime.
func apiServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// reply is one HTTP answer of the API.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// envelope decodes the error envelope, failing unless the body is exactly
// {"error":{...}} with a code and a message.
func (r reply) envelope(t *testing.T) httpapi.ErrorDetail {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("error body %s: want exactly one key, error", r.body)
	}
	var b httpapi.ErrorBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("error body %s: want a code and a message", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type: got %q, want application/json", ct)
	}
	return b.Error
}

// send makes one request over HTTP with an optional bearer key (sent
// verbatim as the Authorization header when it starts with "raw:").
func send(t *testing.T, base, key, method, path string, body string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(key, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(key, "raw:"))
	case key != "":
		req.Header.Set("Authorization", "Bearer "+key)
	}
	hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
