package postings

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/posting"
)

// leverEdits sits between the app and the fake Lever (a reverse proxy on
// the API base URL) and changes what GET /v1/postings answers without
// touching the fake's postings (which Lever's API and /_admin can now
// close and delete too), and can fail one company only. Safe for
// concurrent use.
type leverEdits struct {
	mu      sync.Mutex
	states  map[string]stateEdit // posting id → state Lever now reports
	gone    map[string]bool      // posting ids Lever no longer returns
	failTok map[string]int       // bearer token → HTTP status to answer
}

type stateEdit struct {
	state     string
	updatedAt int64 // Lever's updatedAt (ms) since the edit
}

// setState makes Lever report the posting in state, updated now.
func (l *leverEdits) setState(id, state string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states[id] = stateEdit{state, time.Now().UnixMilli()}
}

func (l *leverEdits) remove(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gone[id] = true
}

func (l *leverEdits) failToken(tok string, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failTok[tok] = status
}

// newEnv builds an apptest.Env whose Lever API traffic passes through a
// leverEdits proxy. OAuth (authorize, token) goes to the fake directly.
func newEnv(t testing.TB, opts ...apptest.Option) (*apptest.Env, *leverEdits) {
	t.Helper()
	ed := &leverEdits{states: map[string]stateEdit{}, gone: map[string]bool{}, failTok: map[string]int{}}
	// First: apptest.WithConfig replaces an earlier config option, and
	// options such as WithVendorEvents chain onto it.
	opts = append([]apptest.Option{apptest.WithConfig(func(cfg *config.Config) {
		target, err := url.Parse(strings.TrimSuffix(cfg.LeverAPIBaseURL, "/v1"))
		if err != nil {
			t.Fatal(err)
		}
		rp := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Host = pr.In.Host
				pr.Out.Header.Del("Accept-Encoding") // keep bodies plain for ModifyResponse
			},
			ModifyResponse: ed.modify,
		}
		srv := httptest.NewServer(ed.guard(rp))
		t.Cleanup(srv.Close)
		cfg.LeverAPIBaseURL = srv.URL + "/v1"
	})}, opts...)
	return apptest.New(t, opts...), ed
}

// guard answers the configured failure for a failing token.
func (l *leverEdits) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		l.mu.Lock()
		status := l.failTok[tok]
		l.mu.Unlock()
		if status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"code":"ServiceUnavailable","message":"injected by the test proxy"}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (l *leverEdits) modify(resp *http.Response) error {
	if resp.Request.Method != http.MethodGet || resp.Request.URL.Path != "/v1/postings" || resp.StatusCode != http.StatusOK {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	var page map[string]json.RawMessage
	if err := json.Unmarshal(body, &page); err != nil {
		return err
	}
	var data []map[string]any
	if err := json.Unmarshal(page["data"], &data); err != nil {
		return err
	}
	l.mu.Lock()
	kept := make([]map[string]any, 0, len(data))
	for _, p := range data {
		id, _ := p["id"].(string)
		if l.gone[id] {
			continue
		}
		if s, ok := l.states[id]; ok {
			p["state"], p["updatedAt"] = s.state, s.updatedAt
		}
		kept = append(kept, p)
	}
	l.mu.Unlock()
	if page["data"], err = json.Marshal(kept); err != nil {
		return err
	}
	if body, err = json.Marshal(page); err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// connect creates a fake Lever account, connects companyID to it through
// the whole OAuth round trip and returns the account.
func connect(t testing.TB, e *apptest.Env, companyID string) *leverfake.Account {
	t.Helper()
	acct := e.Fake.NewAccount("Account of " + companyID)
	e.Fake.SetConsentAccount(acct.ID)
	loc := e.Connect(companyID, nil)
	if loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect %s: got redirect %v, want status=connected", companyID, loc)
	}
	return acct
}

// call sends one API request without touching testing.T (safe from any
// goroutine) and returns the status and raw body. A string body is sent
// as is, anything else as JSON.
func call(e *apptest.Env, key, method, path string, body any) (int, []byte) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string: // sent as is
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	e.API.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// Wire shapes of the API answers.
type (
	postingView struct {
		ID           string `json:"id"`
		Text         string `json:"text"`
		State        string `json:"state"`
		Confidential bool   `json:"confidential"`
		Team         string `json:"team"`
		Location     string `json:"location"`
	}
	postingList struct {
		Postings    []postingView  `json:"postings"`
		RefreshedAt *time.Time     `json:"refreshedAt"`
		Reload      posting.Result `json:"reload"`
	}
	linkView struct {
		PositionID string `json:"positionId"`
		PostingID  string `json:"postingId"`
		Trigger    string `json:"trigger"`
		Flag       string `json:"flag"`
	}
	linkList struct {
		Links []linkView `json:"links"`
	}
	errorBody struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
			Reason  string `json:"reason"`
		} `json:"error"`
	}
)

func path(companyID, rest string) string { return "/v1/companies/" + companyID + rest }

func reload(t testing.TB, e *apptest.Env, companyID string) postingList {
	t.Helper()
	var out postingList
	if code := e.Do("POST", path(companyID, "/postings/reload?state=all"), nil, &out); code != http.StatusOK {
		t.Fatalf("POST /postings/reload for %s: status %d, want 200", companyID, code)
	}
	return out
}

func links(t testing.TB, e *apptest.Env, companyID string) map[string]linkView {
	t.Helper()
	var out linkList
	if code := e.Do("GET", path(companyID, "/links"), nil, &out); code != http.StatusOK {
		t.Fatalf("GET /links of %s: status %d", companyID, code)
	}
	m := map[string]linkView{}
	for _, l := range out.Links {
		m[l.PositionID] = l
	}
	return m
}

func putLink(t testing.TB, e *apptest.Env, companyID, positionID string, body map[string]any) linkView {
	t.Helper()
	var out linkView
	if code := e.Do("PUT", path(companyID, "/links/"+positionID), body, &out); code != http.StatusOK {
		t.Fatalf("PUT /links/%s of %s: status %d, want 200", positionID, companyID, code)
	}
	return out
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// countingDB counts the writes that reach the links table, by item kind
// (the sort key's prefix: posting, meta, link).
type countingDB struct {
	dynamo.DB
	mu     sync.Mutex
	writes map[string]int // "put posting", "delete posting", "update meta", ...
}

func newCountingDB(t testing.TB) *countingDB {
	t.Helper()
	cli, err := dynamo.NewClient(context.Background(), os.Getenv("DYNAMODB_ENDPOINT"))
	if err != nil {
		t.Fatal(err)
	}
	return &countingDB{DB: cli, writes: map[string]int{}}
}

func kindOf(key map[string]types.AttributeValue) string {
	sk, _ := key["sk"].(*types.AttributeValueMemberS)
	if sk == nil {
		return "other"
	}
	switch {
	case strings.HasPrefix(sk.Value, "posting#"):
		return "posting"
	case strings.HasPrefix(sk.Value, "link#"):
		return "link"
	case sk.Value == "meta":
		return "meta"
	}
	return "other"
}

func (c *countingDB) add(op string, key map[string]types.AttributeValue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes[op+" "+kindOf(key)]++
}

func (c *countingDB) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.writes))
	for k, v := range c.writes {
		out[k] = v
	}
	return out
}

func (c *countingDB) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = map[string]int{}
}

func (c *countingDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.add("put", in.Item)
	return c.DB.PutItem(ctx, in, opts...)
}

func (c *countingDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add("update", in.Key)
	return c.DB.UpdateItem(ctx, in, opts...)
}

func (c *countingDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.add("delete", in.Key)
	return c.DB.DeleteItem(ctx, in, opts...)
}

func (c *countingDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	for _, reqs := range in.RequestItems {
		for _, r := range reqs {
			switch {
			case r.PutRequest != nil:
				c.add("put", r.PutRequest.Item)
			case r.DeleteRequest != nil:
				c.add("delete", r.DeleteRequest.Key)
			}
		}
	}
	c.mu.Lock()
	c.writes["BatchWriteItem calls"]++
	c.mu.Unlock()
	return c.DB.BatchWriteItem(ctx, in, opts...)
}

// countingRefresher is the app's refresher with its postings cache, lease
// and link flags on a countingDB.
func countingRefresher(t testing.TB, e *apptest.Env) (*posting.Refresher, *countingDB) {
	t.Helper()
	db := newCountingDB(t)
	cfg := e.App.Config
	tables := dynamo.Tables{Connections: cfg.ConnectionsTable, Links: cfg.LinksTable, Exports: cfg.ExportsTable, Events: cfg.EventsTable}
	ps := dynamo.NewPostings(db, tables)
	return &posting.Refresher{
		Connections: e.App.Connections, Postings: ps, Lease: ps, Links: dynamo.NewLinks(db, tables),
		Lever: e.App.Levers, Revoker: e.App.Vault, Log: e.App.Log,
	}, db
}

// drainRefresh waits for the refresh requests running (asynchronous
// invocations of the refresher); it returns how many invocations ran since
// the last wait and how many failed (a failed one is retried after
// Lambda's delay, later).
func drainRefresh(t testing.TB, e *apptest.Env) (received, failed int) {
	t.Helper()
	st, err := e.Refresh.Wait(ctxT(t))
	if err != nil {
		t.Fatalf("refresh requests: %v", err)
	}
	return st.Attempts, st.Failed
}
