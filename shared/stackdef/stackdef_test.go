package stackdef

import (
	"path/filepath"
	"testing"
)

func TestLoadRepositoryTemplate(t *testing.T) {
	st, err := Load(filepath.Join("..", "..", "template.yaml"), "local")
	if err != nil {
		t.Fatal(err)
	}
	wantTables := map[string]string{
		"ConnectionsTable": "leverlink-local-connections",
		"LinksTable":       "leverlink-local-links",
		"ExportsTable":     "leverlink-local-exports",
		"EventsTable":      "leverlink-local-events",
		"OutboxTable":      "leverlink-local-outbox",
	}
	if got, want := len(st.Tables), len(wantTables); got != want {
		t.Fatalf("tables: got %d, want %d", got, want)
	}
	for id, name := range wantTables {
		tb, ok := st.Table(id)
		if !ok || tb.Name != name {
			t.Errorf("table %s: got %+v, want name %s", id, tb, name)
		}
	}
	ex, _ := st.Table("ExportsTable")
	if ex.HashKey != "pk" || ex.RangeKey != "sk" || len(ex.Indexes) != 1 || ex.TTLAttribute != "expiresAt" || ex.StreamView != "NEW_AND_OLD_IMAGES" {
		t.Errorf("ExportsTable: got %+v", ex)
	}
	q, ok := st.Queue("ExportQueue")
	if !ok || !q.FIFO || q.DeadLetterQueue != "ExportDLQ" || q.MaxReceiveCount < 5 {
		t.Errorf("ExportQueue: got %+v", q)
	}
	// DLQs come before their sources.
	pos := map[string]int{}
	for i, q := range st.Queues {
		pos[q.LogicalID] = i
	}
	for _, q := range st.Queues {
		if q.DeadLetterQueue != "" && pos[q.DeadLetterQueue] > pos[q.LogicalID] {
			t.Errorf("queue %s listed before its DLQ %s", q.LogicalID, q.DeadLetterQueue)
		}
	}
	if m, ok := st.Mapping("ExportQueue"); !ok || m.Function != "ExporterFunction" || m.BatchSize < 1 || m.MaxConcurrency < 2 {
		t.Errorf("ExportQueue mapping: got %+v, %v, want the exporter's with a batch size and MaximumConcurrency", m, ok)
	}
	if b, ok := st.Bucket("PayloadBucket"); !ok || b.Name != "leverlink-local-payloadbucket" {
		t.Errorf("PayloadBucket: got %+v, %v", b, ok)
	}
	if f, ok := st.Function("RefresherFunction"); !ok || f.Async != (Async{MaxRetries: 2, MaxEventAge: 3600, OnFailure: "RefreshDLQ"}) {
		t.Errorf("RefresherFunction asynchronous invocations: got %+v, %v", f.Async, ok)
	}
	if f, _ := st.Function("ExporterFunction"); f.Async != (Async{MaxRetries: 2, MaxEventAge: 21600}) {
		t.Errorf("ExporterFunction asynchronous invocations: got %+v, want Lambda's defaults", f.Async)
	}
	if _, ok := st.Mapping("RefreshQueue"); ok {
		t.Error("a mapping polls RefreshQueue; only the export queue is long-polled")
	}
	if got := len(st.Functions); got != 6 {
		t.Errorf("functions: got %d, want 6", got)
	}
}

func TestDecodeShortFormIntrinsics(t *testing.T) {
	tests := []struct {
		name, yaml string
		key        string
		want       string
	}{
		{"ref", "a: !Ref X", "Ref", "X"},
		{"sub", "a: !Sub 'x-${Stage}'", "Fn::Sub", "x-${Stage}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := m["a"].(map[string]any)[tt.key].(string)
			if got != tt.want {
				t.Errorf("got %v, want %s", m["a"], tt.want)
			}
		})
	}
	m, err := Decode([]byte("a: !GetAtt Q.Arn"))
	if err != nil {
		t.Fatal(err)
	}
	ga, _ := m["a"].(map[string]any)["Fn::GetAtt"].([]any)
	if len(ga) != 2 || ga[0] != "Q" || ga[1] != "Arn" {
		t.Errorf("GetAtt: got %v", m["a"])
	}
}
