package openapi_test

import (
	"encoding/base64"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/settings"
	"github.com/leverlink/leverlink/shared/setup"
)

// inputs are the schemas of what clients send, and the Go types decoding
// them.
var inputs = map[string]reflect.Type{
	"AuthorizeInput":    reflect.TypeFor[connection.AuthorizeInput](),
	"PerformAsInput":    reflect.TypeFor[connection.PerformAsInput](),
	"LinkInput":         reflect.TypeFor[link.PutInput](),
	"ExportRequest":     reflect.TypeFor[export.ExportRequest](),
	"Event":             reflect.TypeFor[event.Event](),
	"CandidateData":     reflect.TypeFor[event.CandidateData](),
	"MessageData":       reflect.TypeFor[event.MessageData](),
	"NoteData":          reflect.TypeFor[event.NoteData](),
	"Candidate":         reflect.TypeFor[event.Candidate](),
	"Location":          reflect.TypeFor[event.Location](),
	"Person":            reflect.TypeFor[event.Person](),
	"Consent":           reflect.TypeFor[event.Consent](),
	"Resume":            reflect.TypeFor[event.Resume](),
	"Message":           reflect.TypeFor[event.Message](),
	"Note":              reflect.TypeFor[event.Note](),
	"Settings":          reflect.TypeFor[settings.Document](),
	"ActivityRetry":     reflect.TypeFor[export.ActivityRetry](),
	"SetupSessionInput": reflect.TypeFor[setup.NewSessionInput](),
	"SetupPosition":     reflect.TypeFor[setup.Position](),
	"RedeliverInput":    reflect.TypeFor[httpapi.RedeliverInput](),
}

// TestLimitsMatchCode: every string a client sends is bounded in the code
// (the maxLength tag jsondecode.Strict enforces) and OpenAPI documents the
// same maxLength (through $ref and array items).
func TestLimitsMatchCode(t *testing.T) {
	doc := loadDoc(t)
	schemas := m(m(doc["components"])["schemas"])
	resolve := func(s map[string]any) map[string]any {
		for {
			if all, ok := s["allOf"].([]any); ok && len(all) == 1 { // a $ref with its own description
				s = m(all[0])
			}
			if s["$ref"] == nil {
				return s
			}
			s = m(schemas[strings.TrimPrefix(s["$ref"].(string), "#/components/schemas/")])
		}
	}
	for name, typ := range inputs {
		props := m(m(schemas[name])["properties"])
		for f := range typ.Fields() {
			jname, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() != reflect.String || ft == reflect.TypeFor[time.Time]() {
				continue
			}
			code, err := strconv.Atoi(f.Tag.Get("maxLength"))
			if err != nil || code <= 0 {
				t.Errorf("%s.%s: string without a maxLength tag", typ, f.Name)
				continue
			}
			p := resolve(m(props[jname]))
			if p["type"] == "array" {
				p = resolve(m(p["items"]))
			}
			if got, _ := p["maxLength"].(int); got != code {
				t.Errorf("%s.%s: OpenAPI maxLength %v, code %d", name, jname, p["maxLength"], code)
			}
		}
	}
	if f, _ := reflect.TypeFor[event.Resume]().FieldByName("ContentBase64"); f.Tag.Get("maxLength") != strconv.Itoa(base64.StdEncoding.EncodedLen(event.MaxInlineResumeBytes)) {
		t.Errorf("resume.contentBase64 maxLength %s, want the base64 length of MaxInlineResumeBytes %d", f.Tag.Get("maxLength"), base64.StdEncoding.EncodedLen(event.MaxInlineResumeBytes))
	}
	if got := m(schemas["ID"])["maxLength"]; got != event.MaxIDLength {
		t.Errorf("ID maxLength %v, code %d", got, event.MaxIDLength)
	}
}

// TestQueryLimitsMatchCode: each bounded query parameter OpenAPI documents
// for the management API has the code's limit, and each string limit of the code is documented.
func TestQueryLimitsMatchCode(t *testing.T) {
	doc := loadDoc(t)
	documented := map[string]bool{}
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["in"] == "query" && x["schema"] != nil {
				name, _ := x["name"].(string)
				if max, ok := m(x["schema"])["maxLength"].(int); ok {
					if httpapi.QueryLimits[name] != max {
						t.Errorf("query %s: OpenAPI maxLength %d, code %d", name, max, httpapi.QueryLimits[name])
					}
					documented[name] = true
				}
			}
			for _, c := range x {
				visit(c)
			}
		case []any:
			for _, c := range x {
				visit(c)
			}
		}
	}
	for path, item := range m(doc["paths"]) {
		if strings.HasPrefix(path, company) { // the management API's (the callback has its own)
			visit(item)
		}
	}
	visit(m(m(doc["components"])["parameters"]))
	for _, name := range []string{"q", "cursor", "state"} {
		if !documented[name] {
			t.Errorf("query %s: limit %d not documented", name, httpapi.QueryLimits[name])
		}
	}
}

// TestIDPatternMatchesCode: OpenAPI's ID pattern is event.IDPattern (in
// ECMA-262 spelling), and both judge a table of ids as CheckID does.
func TestIDPatternMatchesCode(t *testing.T) {
	doc := loadDoc(t)
	pat, _ := m(m(m(doc["components"])["schemas"])["ID"])["pattern"].(string)
	if goPat := strings.ReplaceAll(pat, `\uFFFD`, `\x{FFFD}`); goPat != event.IDPattern {
		t.Fatalf("OpenAPI ID pattern %q, code %q", pat, event.IDPattern)
	}
	re := regexp.MustCompile(event.IDPattern)
	for _, id := range []string{"c-1", "ünï", "a:b@c", "a b", "a\tb", "a\u2028b", "a\u202eb", "a\u00a0b", "a\u200bb", "a/b", "a#b", "a?b", "a\ufffdb", "", strings.Repeat("é", 128), strings.Repeat("é", 129)} {
		if got, want := re.MatchString(id), event.CheckID("id", id) == nil; got != want {
			t.Errorf("id %q: pattern says %v, CheckID says %v", id, got, want)
		}
	}
}
