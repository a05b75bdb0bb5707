package harness

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := Percentile(ds, c.p); got != c.want {
			t.Errorf("Percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("Percentile sorted its input")
	}
	if Percentile(nil, 50) != 0 {
		t.Error("Percentile(nil) != 0")
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("single: %v", got)
	}
}

func TestCost(t *testing.T) {
	p := ListPrices
	u := Usage{LambdaRequests: 1e6, LambdaGBSeconds: 1000, HTTPRequests: 2e6, SQSFIFO: 1e6, SQSStd: 1e6, WRU: 1e6, RRU: 4e6, Alarms: 2}
	want := 0.20 + 1000*0.0000133334 + 2.00 + 0.50 + 0.40 + 0.625 + 0.50 + 0.20
	if got := p.Cost(u); math.Abs(got-want) > 1e-9 {
		t.Fatalf("Cost = %v, want %v", got, want)
	}
	if got := p.Cost(u.Scale(0.001)); math.Abs(got-want/1000) > 1e-9 {
		t.Fatalf("scaled Cost = %v, want %v", got, want/1000)
	}
	if n := len(p.Lines(Usage{WRU: 3})); n != 1 {
		t.Fatalf("Lines with one item: %d lines", n)
	}
	if got := u.Add(u).WRU; got != 2e6 {
		t.Fatalf("Add: %v", got)
	}
}

func TestUnits(t *testing.T) {
	w, r, n := Units("PutItem", make([]byte, 1500), nil)
	if w != 2 || r != 0 || n != 1 {
		t.Errorf("PutItem 1.5KB: %v %v %v", w, r, n)
	}
	req := []byte(`{"RequestItems":{"t":[{"PutRequest":{}},{"PutRequest":{}},{"DeleteRequest":{}}]}}`)
	if w, _, n := Units("BatchWriteItem", req, nil); w != 3 || n != 3 {
		t.Errorf("BatchWriteItem: %v %v", w, n)
	}
	if _, r, _ := Units("Query", nil, make([]byte, 9000)); r != 3 {
		t.Errorf("Query 9000B: %v RRU", r)
	}
	if _, r, _ := Units("GetItem", nil, []byte("{}")); r != 1 {
		t.Errorf("GetItem: %v RRU", r)
	}
	// BatchGetItem: per item, 1 per started 4 KB (a 5000-byte item is 2),
	// 1 per key matching nothing, nothing for unprocessed keys.
	big := strings.Repeat("x", 5000)
	breq := []byte(`{"RequestItems":{"a":{"Keys":[{"pk":{"S":"1"}}],"ConsistentRead":true},"b":{"Keys":[{"pk":{"S":"2"}},{"pk":{"S":"3"}},{"pk":{"S":"4"}}]}}}`)
	bresp := []byte(`{"Responses":{"a":[{"pk":{"S":"1"}}],"b":[{"pk":{"S":"2"},"v":{"S":"` + big + `"}}]},"UnprocessedKeys":{"b":{"Keys":[{"pk":{"S":"4"}}]}}}`)
	if w, r, n := Units("BatchGetItem", breq, bresp); w != 0 || r != 4 || n != 0 {
		t.Errorf("BatchGetItem: %v WRU %v RRU %v items, want 0 4 0", w, r, n)
	}
	if Operation("DynamoDB_20120810.UpdateItem") != "UpdateItem" || Operation("AmazonSQS.SendMessage") != "SendMessage" || Operation("") != "unknown" {
		t.Error("Operation")
	}
}

func TestSnapshotSub(t *testing.T) {
	a := Snapshot{Ops: map[string]int{"PutItem": 5, "Query": 2, "BatchWriteItem": 1}, WRU: 10}
	b := Snapshot{Ops: map[string]int{"PutItem": 2, "Query": 2}, WRU: 4}
	d := a.Sub(b)
	if d.Ops["PutItem"] != 3 || d.Writes() != 4 || d.Reads() != 0 || d.WRU != 6 || d.Total() != 4 {
		t.Fatalf("Sub = %+v", d)
	}
}

func TestTables(t *testing.T) {
	got := Table([]string{"a", "b"}, [][]string{{"1", "x|y"}, {"2"}})
	want := "| a | b |\n|---|---|\n| 1 | x\\|y |\n| 2 |  |\n"
	if got != want {
		t.Fatalf("Table:\n%s\nwant\n%s", got, want)
	}
	tt := TargetsTable([]Target{{Name: "n", Goal: "g", Measured: "m", Pass: false}})
	if !strings.Contains(tt, "| n | g | m | FAIL |") {
		t.Fatalf("TargetsTable: %s", tt)
	}
	if USD(0) != "$0" || USD(0.015) != "$0.0150" || USD(0.00012) != "$0.00012" {
		t.Errorf("USD: %s %s %s", USD(0), USD(0.015), USD(0.00012))
	}
}

func TestCounterBillsRefusedWrites(t *testing.T) {
	c := &Counter{ops: map[string]int{}}
	c.record(&reqInfo{op: "PutItem", body: []byte(`{}`)}, 200, nil)
	c.record(&reqInfo{op: "PutItem", body: []byte(`{}`)}, 400, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}`))
	c.record(&reqInfo{op: "PutItem", body: []byte(`{}`)}, 400, []byte(`{"__type":"ValidationException"}`))
	c.record(&reqInfo{op: "ReceiveMessage"}, 200, []byte(`{"Messages":[{"Body":"x"}]}`))
	s := c.Snapshot()
	if s.WRU != 2 || s.CondFailed != 1 || s.ItemsWritten != 1 || s.Ops["PutItem"] != 3 || s.FullReceives != 1 {
		t.Fatalf("snapshot %+v", s)
	}
}

func TestCounterCountsHandedBackMessages(t *testing.T) {
	tests := []struct {
		name string
		op   string
		body string
		want int
	}{
		{"one message", "ChangeMessageVisibility", `{"ReceiptHandle":"r1","VisibilityTimeout":3}`, 1},
		{"a batch of three", "ChangeMessageVisibilityBatch", `{"Entries":[{"Id":"0","ReceiptHandle":"r1"},{"Id":"1","ReceiptHandle":"r2"},{"Id":"2","ReceiptHandle":"r3"}]}`, 3},
		{"a delete is not a hand-back", "DeleteMessageBatch", `{"Entries":[{"Id":"0","ReceiptHandle":"r1"}]}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Counter{ops: map[string]int{}}
			c.record(&reqInfo{op: tt.op, body: []byte(tt.body)}, 200, []byte(`{}`))
			if got := c.Snapshot().HandedBack; got != tt.want {
				t.Errorf("HandedBack = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestItemSizeBillsTheItemNotTheRequest(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		req    string
		resp   string
		wantN  int
		wantOK bool
		wantW  float64
	}{
		{"put: names plus values", "PutItem", `{"Item":{"pk":{"S":"co1"},"n":{"N":"12345"},"b":{"B":"AAEC"},"f":{"BOOL":true}}}`, ``, 2 + 3 + 1 + 4 + 1 + 3 + 1 + 1, true, 1},
		{"update: the item returned", "UpdateItem", `{"UpdateExpression":"` + strings.Repeat("x", 2000) + `"}`, `{"Attributes":{"pk":{"S":"co1"},"m":{"M":{"k":{"S":"v"}}},"l":{"L":[{"S":"ab"}]}}}`, 2 + 3 + 1 + (3 + 1 + 1 + 1) + 1 + (3 + 1 + 2), true, 1},
		{"update without a returned item: the request", "UpdateItem", `{"UpdateExpression":"` + strings.Repeat("x", 2000) + `"}`, `{}`, 0, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, field := []byte(tt.req), "Item"
			if tt.op == "UpdateItem" {
				body, field = []byte(tt.resp), "Attributes"
			}
			n, ok := ItemSize(body, field)
			if n != tt.wantN || ok != tt.wantOK {
				t.Fatalf("ItemSize = %d %v, want %d %v", n, ok, tt.wantN, tt.wantOK)
			}
			if w, _, _ := Units(tt.op, []byte(tt.req), []byte(tt.resp)); w != tt.wantW {
				t.Fatalf("Units WRU = %v, want %v", w, tt.wantW)
			}
		})
	}
}
