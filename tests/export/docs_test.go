package export

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
)

// fencedBlocks returns the bodies of the fenced code blocks of a markdown
// file whose info string is exactly lang, with their starting lines.
func fencedBlocks(t *testing.T, path, lang string) (blocks []string, lines []int) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	var cur *strings.Builder
	n, start, inOther := 0, 0, false
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && !inOther && strings.HasPrefix(trimmed, "```"):
			if strings.TrimPrefix(trimmed, "```") == lang {
				cur, start = &strings.Builder{}, n
			} else {
				inOther = true
			}
		case trimmed == "```" && cur != nil:
			blocks, lines = append(blocks, cur.String()), append(lines, start)
			cur = nil
		case trimmed == "```" && inOther:
			inOther = false
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil || inOther {
		t.Fatalf("%s: unterminated code block", path)
	}
	return blocks, lines
}

func docPath(t *testing.T, name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "docs", name)
}

// TestEventsDocExamples: every ```json block of docs/events.md is a valid
// event for the webhook's parser, and together they show every type.
func TestEventsDocExamples(t *testing.T) {
	t.Parallel()
	path := docPath(t, "events.md")
	blocks, lines := fencedBlocks(t, path, "json")
	if len(blocks) == 0 {
		t.Fatalf("%s: no json examples", path)
	}
	seen := map[event.Type]bool{}
	for i, b := range blocks {
		e, err := event.Parse([]byte(b))
		if err != nil {
			t.Errorf("%s:%d: example does not parse: %v", path, lines[i], err)
			continue
		}
		seen[e.Type] = true
	}
	for _, typ := range event.Types {
		if !seen[typ] {
			t.Errorf("%s: no example of %s", path, typ)
		}
	}
}

// TestEventsDocSignature: the documented signing test vector is what the
// webhook computes.
func TestEventsDocSignature(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(docPath(t, "events.md"))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"evt_1","type":"note.created"}`)
	sig := event.Sign("whsec_example", time.Unix(1767348000, 0), body)
	if _, v1, _ := strings.Cut(sig, ",v1="); !strings.Contains(string(doc), v1) {
		t.Errorf("docs/events.md test vector: want %s", sig)
	}
	if err := event.Verify(sig, body, []string{"whsec_example"}, time.Unix(1767348000, 0)); err != nil {
		t.Errorf("verify the test vector: %v", err)
	}
}

// TestEventsDocErrors: the documented 400 examples are what the parser says.
func TestEventsDocErrors(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(docPath(t, "events.md"))
	if err != nil {
		t.Fatal(err)
	}
	const env = `{"id":"e1","type":"%s","occurredAt":"2026-01-01T00:00:00Z","companyId":"acme","data":{"candidate":%s}}`
	for _, tc := range []struct{ body, field string }{
		{strings.Replace(strings.Replace(env, "%s", "candidate.hired", 1), "%s", `{"id":"c"}`, 1), "type"},
		{strings.Replace(strings.Replace(env, "%s", "candidate.applied", 1), "%s", `{"id":"c","emails":["a@example.com","nope"]}`, 1), "data.candidate.emails[1]"},
		{strings.Replace(strings.Replace(env, "%s", "candidate.applied", 1), "%s", `{"id":"c","email":"a@example.com"}`, 1), "data.candidate.email"},
	} {
		_, err := event.Parse([]byte(tc.body))
		e := apperr.As(err)
		if e == nil || e.Field != tc.field {
			t.Errorf("parse %s: got %v, want field %s", tc.body, err, tc.field)
			continue
		}
		if !strings.Contains(string(doc), `"field": "`+e.Field+`", "message": "`+strings.ReplaceAll(e.Message, `"`, `\"`)+`"`) {
			t.Errorf("docs/events.md lacks the error example for %s: message %q", e.Field, e.Message)
		}
	}
}

// TestEventsDocReasons: the "Reasons" table of docs/events.md lists exactly
// export.Reasons, in order, and every reason the page quotes for a skipped
// or ignored answer is one of them (the OpenAPI enum is checked in
// tests/openapi).
func TestEventsDocReasons(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(docPath(t, "events.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "\n## Reasons\n")
	if !ok {
		t.Fatal("docs/events.md: no Reasons section")
	}
	section, _, _ := strings.Cut(rest, "\n## ")
	var got []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| `") {
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
			got = append(got, name)
		}
	}
	var want []string
	known := map[string]bool{}
	for _, r := range export.Reasons {
		want = append(want, string(r))
		known[string(r)] = true
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("docs/events.md Reasons table %v, export.Reasons %v", got, want)
	}
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.Contains(line, `"status":"skipped"`) && !strings.Contains(line, `"status":"ignored"`) {
			continue
		}
		_, list, _ := strings.Cut(line, "|")
		_, list, _ = strings.Cut(list, "|")
		for _, part := range strings.Split(list, "`")[1:] {
			if part != "" && !strings.ContainsAny(part, " ,:") && !known[part] {
				t.Errorf("docs/events.md quotes reason %q, not in export.Reasons", part)
			}
		}
	}
}
