package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/leverlink/leverlink/shared/stackdef"
)

// route is one HTTP route of the local stack, in net/http ServeMux terms.
type route struct {
	Method   string // "GET", ...; "" for any method (SAM's ANY)
	Path     string // ServeMux path pattern: "/v1/companies/{companyId}/{proxy...}"
	Function string // the function serving it; "" for the stack's own routes
	Handler  http.Handler
}

// pattern is the ServeMux pattern of r.
func (r route) pattern() string {
	if r.Method == "" {
		return r.Path
	}
	return r.Method + " " + r.Path
}

// worker is a background loop of the local stack, such as a queue poller
// feeding a function's handler, the way Lambda's SQS event source would. It
// runs until ctx ends; an error other than ctx's stops the stack.
type worker struct {
	Name string
	Run  func(ctx context.Context) error
}

// mounts is what the local stack runs of each function, by function name
// (the functions/<name> package). A function absent here is listed in
// /healthz as not mounted and its routes answer 404.
type mounts struct {
	Handlers map[string]http.Handler // HTTP API functions: api, webhook, oauth
	Workers  []worker                // queue pollers and schedules: exporter, refresher
}

// buildRoutes returns the stack's routes: GET /healthz, then every HttpApi
// event of the template whose function has a handler, in template order;
// and the summary of every function for /healthz.
func buildRoutes(def stackdef.Stack, m mounts, health func([]functionSummary) http.Handler) ([]route, []functionSummary, error) {
	var fnRoutes []route
	summaries := make([]functionSummary, 0, len(def.Functions))
	polled := map[string]bool{}
	for _, w := range m.Workers {
		polled[w.Name] = true
	}
	for _, f := range def.Functions {
		sum := functionSummary{Name: f.Dir, LogicalID: f.LogicalID, Triggers: []string{}}
		h := m.Handlers[f.Dir]
		names := make([]string, 0, len(f.Events))
		for name := range f.Events {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			ev := f.Events[name]
			if ev.Type != "HttpApi" {
				sum.Triggers = append(sum.Triggers, describeTrigger(ev, def.Parameters))
				continue
			}
			r, err := httpAPIRoute(ev.Properties)
			if err != nil {
				return nil, nil, fmt.Errorf("%s event %s: %w", f.LogicalID, name, err)
			}
			r.Function, r.Handler = f.Dir, h
			sum.Triggers = append(sum.Triggers, strings.TrimSpace("HttpApi "+r.Method+" "+r.Path))
			if h != nil {
				fnRoutes = append(fnRoutes, r)
			}
		}
		sum.Mounted = h != nil || polled[f.Dir]
		summaries = append(summaries, sum)
	}
	routes := append([]route{{Method: http.MethodGet, Path: "/healthz", Handler: health(summaries)}}, fnRoutes...)
	return routes, summaries, nil
}

// describeTrigger names a non-HTTP event source: "SQS ExportQueue",
// "ScheduleV2 rate(15 minutes)" (a Ref resolved through params).
func describeTrigger(ev stackdef.Event, params map[string]string) string {
	switch ev.Type {
	case "SQS":
		if ga, ok := ev.Properties["Queue"].(map[string]any)["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
			return fmt.Sprintf("SQS %v", ga[0])
		}
	case "DynamoDB":
		if ga, ok := ev.Properties["Stream"].(map[string]any)["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
			return fmt.Sprintf("DynamoDB %v stream", ga[0])
		}
	case "Schedule", "ScheduleV2":
		if expr, ok := ev.Properties["ScheduleExpression"]; ok {
			if ref, ok := expr.(map[string]any)["Ref"].(string); ok {
				return fmt.Sprintf("%s %s", ev.Type, params[ref])
			}
			return fmt.Sprintf("%s %v", ev.Type, expr)
		}
	}
	return ev.Type
}

// httpAPIRoute turns a SAM HttpApi event's Method and Path into a route:
// ANY becomes any method, a greedy {name+} segment becomes {name...}.
func httpAPIRoute(props map[string]any) (route, error) {
	method, _ := props["Method"].(string)
	path, _ := props["Path"].(string)
	if method == "" || !strings.HasPrefix(path, "/") {
		return route{}, fmt.Errorf("HttpApi event needs Method and an absolute Path, got %q %q", method, path)
	}
	method = strings.ToUpper(method)
	if method == "ANY" {
		method = ""
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}") {
			segs[i] = strings.TrimSuffix(s, "+}") + "...}"
		}
	}
	return route{Method: method, Path: strings.Join(segs, "/")}, nil
}

// newMux registers the routes on a ServeMux; a bad or conflicting pattern
// is an error.
func newMux(routes []route) (mux *http.ServeMux, err error) {
	mux = http.NewServeMux()
	defer func() {
		if p := recover(); p != nil {
			mux, err = nil, fmt.Errorf("routes: %v", p)
		}
	}()
	for _, r := range routes {
		mux.Handle(r.pattern(), r.Handler)
	}
	return mux, nil
}
