package templatecheck

import (
	"fmt"
	"testing"
)

// TestOneQueuePolled keeps the idle cost down: Lambda long-polls every
// queue an SQS event source reads, billed while idle, so only the export
// queue has one; refresh requests are asynchronous invocations.
func TestOneQueuePolled(t *testing.T) {
	st := loadStack(t)
	var polled []string
	for _, f := range st.Functions {
		for name, ev := range f.Events {
			if ev.Type == "SQS" {
				polled = append(polled, fmt.Sprintf("%s.%s", f.LogicalID, name))
			}
		}
	}
	if len(polled) != 1 || polled[0] != "ExporterFunction.Exports" {
		t.Errorf("SQS event sources %v, want only ExporterFunction.Exports", polled)
	}
}

// TestRefreshFunctionName: REFRESH_FUNCTION_NAME is spelt as the
// refresher's FunctionName, and the refresher's asynchronous invocations
// fail over to a queue of the template.
func TestRefreshFunctionName(t *testing.T) {
	st := loadStack(t)
	r, ok := st.Function("RefresherFunction")
	if !ok {
		t.Fatal("no RefresherFunction")
	}
	want := fmt.Sprint(asMap(r.Raw["FunctionName"])["Fn::Sub"])
	n := 0
	for _, f := range st.Functions {
		v, ok := f.Environment["REFRESH_FUNCTION_NAME"]
		if !ok {
			continue
		}
		n++
		if got := fmt.Sprint(asMap(v)["Fn::Sub"]); got != want {
			t.Errorf("%s: REFRESH_FUNCTION_NAME is !Sub %q, want the refresher's FunctionName %q", f.LogicalID, got, want)
		}
	}
	if n == 0 {
		t.Error("no function sets REFRESH_FUNCTION_NAME")
	}
	if _, ok := st.Queue(r.Async.OnFailure); !ok || r.Async.MaxRetries != 2 {
		t.Errorf("RefresherFunction asynchronous invocations %+v: want 2 retries and an on-failure queue of the template", r.Async)
	}
}
