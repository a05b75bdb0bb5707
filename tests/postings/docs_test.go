package postings

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/posting"
)

// TestPostingChangeDocExample: every ```json posting-change block of
// docs/events.md decodes strictly into posting.Change, names a known change
// type and field groups, and carries the posting unless removed.
func TestPostingChangeDocExample(t *testing.T) {
	t.Parallel()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "docs", "events.md")
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var blocks []string
	var cur *strings.Builder
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case cur == nil && line == "```json posting-change":
			cur = &strings.Builder{}
		case cur != nil && line == "```":
			blocks, cur = append(blocks, cur.String()), nil
		case cur != nil:
			cur.WriteString(sc.Text() + "\n")
		}
	}
	if len(blocks) == 0 {
		t.Fatalf("%s: no posting-change example", path)
	}
	for i, b := range blocks {
		var c posting.Change
		dec := json.NewDecoder(bytes.NewReader([]byte(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		if !slices.Contains([]posting.ChangeType{posting.Published, posting.Updated, posting.Closed, posting.Removed}, c.Type) {
			t.Errorf("example %d: unknown type %q", i, c.Type)
		}
		for _, f := range c.Fields {
			if !slices.Contains(posting.UpdatedFields, f) {
				t.Errorf("example %d: unknown field group %q", i, f)
			}
		}
		if (c.Type != posting.Removed) != (c.Posting != nil) || (c.Posting != nil && c.Posting.ID != c.PostingID) {
			t.Errorf("example %d: posting %+v does not match the change", i, c.Posting)
		}
	}
}
