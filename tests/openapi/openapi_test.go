package openapi_test

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/settings"
)

const (
	docPath    = "../../docs/openapi.yaml"
	serverPath = "../../shared/httpapi/server.go"
	company    = "/v1/companies/{companyId}"
)

// route is one documented operation and the statuses it must document
// (beyond 200/201/202/204, which the test takes from the doc).
type route struct {
	method, path string
	statuses     []string
}

// management are the routes of httpapi.Server.Handler. Every one of them
// authenticates (401, 403), validates the path (400) and may fail
// temporarily (503).
var management = []route{
	{"POST", company + "/connection/authorize", []string{"200"}},
	{"GET", company + "/connection", []string{"200"}},
	{"DELETE", company + "/connection", []string{"200"}},
	{"GET", company + "/postings", []string{"200"}},
	{"POST", company + "/postings/reload", []string{"200", "422", "429"}},
	{"GET", company + "/postings/{postingId}", []string{"200", "404"}},
	{"GET", company + "/links", []string{"200"}},
	{"PUT", company + "/links/{positionId}", []string{"200", "404", "422"}},
	{"DELETE", company + "/links/{positionId}", []string{"204"}},
	{"POST", company + "/candidates/{candidateId}/export", []string{"202", "409", "422"}},
	{"GET", company + "/candidates/{candidateId}/export", []string{"200"}},
	{"DELETE", company + "/candidates/{candidateId}", []string{"200", "409"}},
	{"GET", company + "/exports", []string{"200"}},
	{"POST", company + "/exports/{candidateId}/retry", []string{"202", "409", "422"}},
	{"GET", company + "/settings", []string{"200"}},
	{"PUT", company + "/settings", []string{"200", "412", "428"}},
	{"GET", company + "/activities", []string{"200"}},
	{"POST", company + "/exports/{candidateId}/activities/retry", []string{"202", "404", "409", "422"}},
	{"POST", company + "/setup-sessions", []string{"201"}},
	{"PUT", company + "/connection/perform-as", []string{"200", "422"}},
	{"GET", "/v1/health", []string{"200"}}, // vendor keys only (wrapVendor)
}

// public are the routes of the webhook and oauth functions (no bearer key).
var public = []route{
	{"POST", "/v1/events", []string{"200", "202", "400", "401", "405", "503"}},
	{"GET", "/oauth/lever/callback", []string{"302", "400", "405", "503"}},
	{"GET", "/v1/connect/start", []string{"302", "400", "405"}},
}

func loadDoc(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", docPath, err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Fatalf("openapi version: got %q, want 3.1.x", v)
	}
	return doc
}

func m(v any) map[string]any { x, _ := v.(map[string]any); return x }

// TestRouteListMatchesServer keeps the list above equal to the routes
// server.go registers.
func TestRouteListMatchesServer(t *testing.T) {
	src, err := os.ReadFile(serverPath)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`route\("([A-Z]+) "\+c\+"([^"]*)"`)
	var got, want []string
	for _, mm := range re.FindAllStringSubmatch(string(src), -1) {
		got = append(got, mm[1]+" "+company+mm[2])
	}
	vendor := regexp.MustCompile(`mux\.Handle\("([A-Z]+) ([^"]*)", s\.wrapVendor`)
	for _, mm := range vendor.FindAllStringSubmatch(string(src), -1) {
		got = append(got, mm[1]+" "+mm[2])
	}
	for _, r := range management {
		want = append(want, r.method+" "+r.path)
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(got) == 0 || !slices.Equal(got, want) {
		t.Errorf("routes in server.go:\n  %s\nroutes in this test:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestEveryRouteDocumented: each route is in the document with its method,
// security, path parameters and statuses; the document has no other
// operation.
func TestEveryRouteDocumented(t *testing.T) {
	doc := loadDoc(t)
	paths := m(doc["paths"])
	if len(doc["security"].([]any)) == 0 || m(m(m(doc["components"])["securitySchemes"])["bearer"])["scheme"] != "bearer" {
		t.Errorf("want a global bearer security scheme")
	}
	known := map[string]bool{}
	check := func(r route, authed bool) {
		known[r.method+" "+r.path] = true
		item := m(paths[r.path])
		op := m(item[strings.ToLower(r.method)])
		if op == nil {
			t.Errorf("%s %s: not documented", r.method, r.path)
			return
		}
		sec, overridden := op["security"]
		if authed && overridden {
			t.Errorf("%s %s: overrides the bearer security", r.method, r.path)
		}
		if !authed && (!overridden || len(sec.([]any)) != 0) {
			t.Errorf("%s %s: want security: [] (no bearer key)", r.method, r.path)
		}
		statuses := r.statuses
		if authed {
			statuses = append(slices.Clone(statuses), "400", "401", "403", "500", "503")
		}
		resp := m(op["responses"])
		for _, s := range statuses {
			if resp[s] == nil {
				t.Errorf("%s %s: status %s not documented", r.method, r.path, s)
			}
		}
		// Path parameters: every {name} declared on the path item or the op.
		declared := map[string]bool{}
		for _, list := range []any{item["parameters"], op["parameters"]} {
			ps, _ := list.([]any)
			for _, p := range ps {
				p := resolve(t, doc, m(p))
				if p["in"] == "path" {
					declared[p["name"].(string)] = true
				}
			}
		}
		for _, mm := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(r.path, -1) {
			if !declared[mm[1]] {
				t.Errorf("%s %s: path parameter %s not declared", r.method, r.path, mm[1])
			}
		}
		if (r.method == "POST" || r.method == "PUT") && r.path != company+"/postings/reload" && op["requestBody"] == nil {
			t.Errorf("%s %s: no requestBody", r.method, r.path)
		}
	}
	for _, r := range management {
		check(r, true)
	}
	for _, r := range public {
		check(r, false)
	}
	for p, item := range paths {
		for method := range m(item) {
			if method == "parameters" {
				continue
			}
			if !known[strings.ToUpper(method)+" "+p] {
				t.Errorf("documented %s %s is not a route of the code", strings.ToUpper(method), p)
			}
		}
	}
}

// resolve follows a local $ref.
func resolve(t *testing.T, doc map[string]any, node map[string]any) map[string]any {
	t.Helper()
	ref, ok := node["$ref"].(string)
	if !ok {
		return node
	}
	cur := any(doc)
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = m(cur)[part]
	}
	if m(cur) == nil {
		t.Fatalf("$ref %s does not resolve", ref)
	}
	return m(cur)
}

// TestRefsResolve: every $ref points into the document.
func TestRefsResolve(t *testing.T) {
	doc := loadDoc(t)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["$ref"]; ok {
				resolve(t, doc, x)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
}

// TestSchemasMatchGo: each schema's properties are exactly the JSON fields
// of the Go type it documents.
func TestSchemasMatchGo(t *testing.T) {
	doc := loadDoc(t)
	schemas := m(m(doc["components"])["schemas"])
	for name, typ := range map[string]reflect.Type{
		"ErrorBody":          reflect.TypeFor[httpapi.ErrorBody](),
		"ErrorDetail":        reflect.TypeFor[httpapi.ErrorDetail](),
		"AuthorizeInput":     reflect.TypeFor[connection.AuthorizeInput](),
		"ConnectionView":     reflect.TypeFor[connection.View](),
		"PerformAs":          reflect.TypeFor[connection.PerformAs](),
		"Posting":            reflect.TypeFor[posting.Posting](),
		"PostingList":        reflect.TypeFor[posting.ListView](),
		"RefreshResult":      reflect.TypeFor[posting.Result](),
		"LinkInput":          reflect.TypeFor[link.PutInput](),
		"Link":               reflect.TypeFor[link.View](),
		"ExportRequest":      reflect.TypeFor[export.ExportRequest](),
		"ExportStatus":       reflect.TypeFor[export.StatusView](),
		"Settings":           reflect.TypeFor[settings.Document](),
		"Event":              reflect.TypeFor[event.Event](),
		"CandidateData":      reflect.TypeFor[event.CandidateData](),
		"MessageData":        reflect.TypeFor[event.MessageData](),
		"NoteData":           reflect.TypeFor[event.NoteData](),
		"Candidate":          reflect.TypeFor[event.Candidate](),
		"Location":           reflect.TypeFor[event.Location](),
		"Person":             reflect.TypeFor[event.Person](),
		"Consent":            reflect.TypeFor[event.Consent](),
		"Resume":             reflect.TypeFor[event.Resume](),
		"Message":            reflect.TypeFor[event.Message](),
		"Note":               reflect.TypeFor[event.Note](),
		"EventOutcome":       reflect.TypeFor[export.Outcome](),    // plus eventId, added by the webhook
		"ExportErrorBody":    reflect.TypeFor[httpapi.ErrorBody](), // plus export, added by exportAnswer
		"DisconnectView":     reflect.TypeFor[connection.DisconnectView](),
		"ActivityView":       reflect.TypeFor[export.ActivityView](),
		"ActivityRetry":      reflect.TypeFor[export.ActivityRetry](),
		"ActivityErrorBody":  reflect.TypeFor[httpapi.ErrorBody](), // plus activity, added by retryActivity
		"PostingURLs":        reflect.TypeFor[posting.URLs](),
		"SalaryRange":        reflect.TypeFor[posting.SalaryRange](),
		"PostingContent":     reflect.TypeFor[posting.Content](),
		"PostingContentList": reflect.TypeFor[posting.ContentList](),
		"PostingChange":      reflect.TypeFor[posting.Change](),
		"ErasureReport":      reflect.TypeFor[erasure.Report](),
		"ErasureRemoved":     reflect.TypeFor[erasure.Removed](),
	} {
		s := schemas[name]
		if s == nil {
			t.Errorf("schema %s missing", name)
			continue
		}
		var doced []string
		for p := range m(m(s)["properties"]) {
			doced = append(doced, p)
		}
		goFields := jsonFields(typ)
		switch name {
		case "EventOutcome":
			goFields = append(goFields, "eventId")
		case "ExportErrorBody":
			goFields = append(goFields, "export")
		case "ActivityErrorBody":
			goFields = append(goFields, "activity")
		}
		sort.Strings(doced)
		sort.Strings(goFields)
		if !slices.Equal(doced, goFields) {
			t.Errorf("schema %s properties %v, Go %s JSON fields %v", name, doced, typ, goFields)
		}
	}
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

// TestExportReasonsDocumented: the ExportReason enum is export.Reasons, in
// order, and every reason the docs mention for exports is in it.
func TestExportReasonsDocumented(t *testing.T) {
	doc := loadDoc(t)
	s := m(m(m(doc["components"])["schemas"])["ExportReason"])
	if s == nil {
		t.Fatal("schema ExportReason missing")
	}
	enum, _ := s["enum"].([]any)
	var got, want []string
	for _, v := range enum {
		got = append(got, v.(string))
	}
	for _, r := range export.Reasons {
		want = append(want, string(r))
	}
	if !slices.Equal(got, want) {
		t.Errorf("ExportReason enum %v, export.Reasons %v", got, want)
	}
	for _, name := range []string{"ExportStatus", "EventOutcome"} {
		r := m(m(m(m(m(doc["components"])["schemas"])[name])["properties"])["reason"])
		refs, _ := r["allOf"].([]any)
		if len(refs) != 1 || m(refs[0])["$ref"] != "#/components/schemas/ExportReason" {
			t.Errorf("%s.reason: want allOf ExportReason, got %v", name, r)
		}
	}
}
