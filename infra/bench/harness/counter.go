package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Counter is a counting reverse proxy in front of an AWS emulator: it
// counts every request by operation (the X-Amz-Target header, e.g.
// "DynamoDB_20120810.PutItem" → "PutItem") and estimates the capacity
// units DynamoDB on-demand would bill. Safe for concurrent use.
type Counter struct {
	srv   *httptest.Server
	mu    sync.Mutex
	ops   map[string]int
	wru   float64 // estimated write request units
	rru   float64 // estimated read request units
	items int     // items written (BatchWriteItem counts each request)
	full  int     // ReceiveMessage calls that returned messages
	back  int     // messages whose visibility was changed (handed back)
	cond  int     // writes refused by their condition (still billed)
}

// NewCounter starts a counting proxy to target (an http URL).
func NewCounter(target string) (*Counter, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	c := &Counter{ops: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}
	rp.ModifyResponse = func(resp *http.Response) error {
		op, _ := resp.Request.Context().Value(opKey{}).(*reqInfo)
		if op == nil {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		c.record(op, resp.StatusCode, body)
		return nil
	}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		info := &reqInfo{op: Operation(r.Header.Get("X-Amz-Target")), body: body}
		rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), opKey{}, info)))
	}))
	return c, nil
}

type opKey struct{}

type reqInfo struct {
	op   string
	body []byte
}

// URL is the proxy's address, to use as the service endpoint.
func (c *Counter) URL() string { return c.srv.URL }

// Close stops the proxy.
func (c *Counter) Close() { c.srv.Close() }

// Operation turns an X-Amz-Target value into the operation name.
func Operation(target string) string {
	if i := strings.LastIndexByte(target, '.'); i >= 0 {
		return target[i+1:]
	}
	if target == "" {
		return "unknown"
	}
	return target
}

func (c *Counter) record(info *reqInfo, status int, resp []byte) {
	w, r, items := Units(info.op, info.body, resp)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops[info.op]++
	// A write refused by its condition is billed like a write.
	refused := status == 400 && (bytes.Contains(resp, []byte("ConditionalCheckFailed")) || bytes.Contains(resp, []byte("TransactionCanceled")))
	if refused {
		c.cond++
	}
	if status < 300 || refused {
		c.wru += w
		c.rru += r
	}
	if status < 300 {
		c.items += items
	}
	if info.op == "ReceiveMessage" && bytes.Contains(resp, []byte(`"Messages":[{`)) {
		c.full++
	}
	switch info.op {
	case "ChangeMessageVisibility":
		c.back++
	case "ChangeMessageVisibilityBatch":
		c.back += bytes.Count(info.body, []byte(`"ReceiptHandle"`))
	}
}

// Units estimates the request units one DynamoDB call is billed for:
// writes are 1 WRU per started KB of each item written (ItemSize of a
// PutItem's item, or of the item an UpdateItem returned; otherwise the
// item's share of the request body, an upper bound; transactions count
// double); reads are 1 RRU per started 4 KB of response (strongly
// consistent), at least 1, and for BatchGetItem per item read
// (batchGetUnits). items is how many items the call wrote.
func Units(op string, req, resp []byte) (wru, rru float64, items int) {
	kb := func(n, per int) float64 {
		if n <= 0 {
			return 1
		}
		return math.Max(1, math.Ceil(float64(n)/float64(per)))
	}
	switch op {
	case "PutItem":
		if n, ok := ItemSize(req, "Item"); ok {
			return kb(n, 1024), 0, 1
		}
		return kb(len(req), 1024), 0, 1
	case "UpdateItem":
		// Billed on the item's size (the larger of before and after): the
		// item as written when the call returned it (ReturnValues ALL_NEW),
		// else the request size, an upper bound (expressions included).
		if n, ok := ItemSize(resp, "Attributes"); ok {
			return kb(n, 1024), 0, 1
		}
		return kb(len(req), 1024), 0, 1
	case "DeleteItem":
		return kb(len(req), 1024), 0, 1
	case "BatchWriteItem":
		n := bytes.Count(req, []byte(`"PutRequest"`)) + bytes.Count(req, []byte(`"DeleteRequest"`))
		if n == 0 {
			return 0, 0, 0
		}
		return float64(n) * kb(len(req)/n, 1024), 0, n
	case "TransactWriteItems":
		n := bytes.Count(req, []byte(`"Put"`)) + bytes.Count(req, []byte(`"Update"`)) + bytes.Count(req, []byte(`"Delete"`)) + bytes.Count(req, []byte(`"ConditionCheck"`))
		if n == 0 {
			n = 1
		}
		return 2 * float64(n) * kb(len(req)/n, 1024), 0, n
	case "BatchGetItem":
		return 0, batchGetUnits(req, resp), 0
	case "GetItem", "Query", "Scan":
		return 0, kb(len(resp), 4096), 0
	}
	return 0, 0, 0
}

// batchGetUnits estimates the RRU of one BatchGetItem (strongly
// consistent), item by item as DynamoDB bills it: 1 RRU per started 4 KB
// of each item returned (ItemSize), and 1 for each key read that matched
// no item (as a GetItem of a missing item); keys left unprocessed are not
// billed (their retry is another request).
func batchGetUnits(req, resp []byte) float64 {
	type keys struct {
		Keys []json.RawMessage `json:"Keys"`
	}
	var in struct {
		RequestItems map[string]keys `json:"RequestItems"`
	}
	var out struct {
		Responses       map[string][]map[string]map[string]json.RawMessage `json:"Responses"`
		UnprocessedKeys map[string]keys                                    `json:"UnprocessedKeys"`
	}
	_ = json.Unmarshal(req, &in)
	_ = json.Unmarshal(resp, &out)
	asked := 0
	for _, k := range in.RequestItems {
		asked += len(k.Keys)
	}
	for _, k := range out.UnprocessedKeys {
		asked -= len(k.Keys)
	}
	rru, found := 0.0, 0
	for _, items := range out.Responses {
		for _, item := range items {
			n := 0
			for name, v := range item {
				n += len(name) + attrSize(v)
			}
			rru += math.Max(1, math.Ceil(float64(n)/4096))
			found++
		}
	}
	if missing := asked - found; missing > 0 {
		rru += float64(missing)
	}
	return rru
}

// Snapshot is a copy of a Counter's totals.
type Snapshot struct {
	Ops          map[string]int
	WRU, RRU     float64
	ItemsWritten int
	FullReceives int
	CondFailed   int // writes refused by their condition (billed)
	HandedBack   int // messages whose visibility was changed, alone or in a batch
}

// Total is the number of requests.
func (s Snapshot) Total() int {
	n := 0
	for _, v := range s.Ops {
		n += v
	}
	return n
}

// Writes is the number of write requests (single-item writes, batches and
// transactions).
func (s Snapshot) Writes() int {
	return s.Ops["PutItem"] + s.Ops["UpdateItem"] + s.Ops["DeleteItem"] + s.Ops["BatchWriteItem"] + s.Ops["TransactWriteItems"]
}

// Reads is the number of read requests.
func (s Snapshot) Reads() int {
	return s.Ops["GetItem"] + s.Ops["Query"] + s.Ops["Scan"] + s.Ops["BatchGetItem"]
}

// Sub returns s - o.
func (s Snapshot) Sub(o Snapshot) Snapshot {
	out := Snapshot{Ops: maps.Clone(s.Ops), WRU: s.WRU - o.WRU, RRU: s.RRU - o.RRU, ItemsWritten: s.ItemsWritten - o.ItemsWritten, FullReceives: s.FullReceives - o.FullReceives, CondFailed: s.CondFailed - o.CondFailed, HandedBack: s.HandedBack - o.HandedBack}
	if out.Ops == nil {
		out.Ops = map[string]int{}
	}
	for k, v := range o.Ops {
		out.Ops[k] -= v
		if out.Ops[k] == 0 {
			delete(out.Ops, k)
		}
	}
	return out
}

// Snapshot returns the current totals.
func (c *Counter) Snapshot() Snapshot {
	if c == nil {
		return Snapshot{Ops: map[string]int{}}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return Snapshot{Ops: maps.Clone(c.ops), WRU: c.wru, RRU: c.rru, ItemsWritten: c.items, FullReceives: c.full, CondFailed: c.cond, HandedBack: c.back}
}

// LeverCounter counts Lever HTTP attempts (app.Options.OnLeverCall).
type LeverCounter struct {
	mu     sync.Mutex
	calls  map[string]int
	status map[int]int
	total  atomic.Int64
}

// NewLeverCounter returns an empty counter.
func NewLeverCounter() *LeverCounter {
	return &LeverCounter{calls: map[string]int{}, status: map[int]int{}}
}

// Observe is the OnLeverCall hook.
func (l *LeverCounter) Observe(endpoint string, status int, _ time.Duration) {
	l.total.Add(1)
	l.mu.Lock()
	l.calls[endpoint]++
	l.status[status]++
	l.mu.Unlock()
}

// LeverSnapshot is a copy of a LeverCounter's totals.
type LeverSnapshot struct {
	Total    int
	ByEnd    map[string]int
	ByStatus map[int]int
}

// Snapshot returns the current totals.
func (l *LeverCounter) Snapshot() LeverSnapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LeverSnapshot{Total: int(l.total.Load()), ByEnd: maps.Clone(l.calls), ByStatus: maps.Clone(l.status)}
}

// Sub returns s - o.
func (s LeverSnapshot) Sub(o LeverSnapshot) LeverSnapshot {
	out := LeverSnapshot{Total: s.Total - o.Total, ByEnd: maps.Clone(s.ByEnd), ByStatus: maps.Clone(s.ByStatus)}
	for k, v := range o.ByEnd {
		out.ByEnd[k] -= v
	}
	for k, v := range o.ByStatus {
		out.ByStatus[k] -= v
	}
	return out
}

// Add returns s + o.
func (s Snapshot) Add(o Snapshot) Snapshot {
	out := Snapshot{Ops: maps.Clone(s.Ops), WRU: s.WRU + o.WRU, RRU: s.RRU + o.RRU, ItemsWritten: s.ItemsWritten + o.ItemsWritten, FullReceives: s.FullReceives + o.FullReceives, CondFailed: s.CondFailed + o.CondFailed, HandedBack: s.HandedBack + o.HandedBack}
	if out.Ops == nil {
		out.Ops = map[string]int{}
	}
	for k, v := range o.Ops {
		out.Ops[k] += v
	}
	return out
}

// ItemSize is the DynamoDB size of the item under field of a JSON request
// or response body, as DynamoDB bills it: per attribute, the name's UTF-8
// bytes plus the value's (strings and binary their bytes, numbers about a
// byte per two digits plus one, booleans and nulls one, lists and maps 3
// plus their elements, one more byte each). ok is false when body holds no
// such item.
func ItemSize(body []byte, field string) (int, bool) {
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil || len(doc[field]) == 0 {
		return 0, false
	}
	var item map[string]map[string]json.RawMessage
	if json.Unmarshal(doc[field], &item) != nil || len(item) == 0 {
		return 0, false
	}
	n := 0
	for name, v := range item {
		n += len(name) + attrSize(v)
	}
	return n, true
}

func attrSize(v map[string]json.RawMessage) int {
	for typ, raw := range v {
		switch typ {
		case "S":
			var s string
			_ = json.Unmarshal(raw, &s)
			return len(s)
		case "N":
			var s string
			_ = json.Unmarshal(raw, &s)
			return (len(strings.TrimLeft(s, "-0"))+1)/2 + 1
		case "B":
			var b []byte
			_ = json.Unmarshal(raw, &b)
			return len(b)
		case "BOOL", "NULL":
			return 1
		case "SS", "NS", "BS":
			var ss []string
			_ = json.Unmarshal(raw, &ss)
			n := 0
			for _, s := range ss {
				n += len(s)
			}
			return n
		case "L":
			var l []map[string]json.RawMessage
			_ = json.Unmarshal(raw, &l)
			n := 3
			for _, e := range l {
				n += 1 + attrSize(e)
			}
			return n
		case "M":
			var m map[string]map[string]json.RawMessage
			_ = json.Unmarshal(raw, &m)
			n := 3
			for k, e := range m {
				n += 1 + len(k) + attrSize(e)
			}
			return n
		}
	}
	return 0
}
