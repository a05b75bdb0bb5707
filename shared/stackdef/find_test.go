package stackdef

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestFindTemplate(t *testing.T) {
	want, err := filepath.Abs(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := FindTemplateFromWD()
	if err != nil || got != want {
		t.Fatalf("from the package: got %q, %v; want %q", got, err, want)
	}
	if _, err := FindTemplate(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("outside the module: got %v, want an error naming go.mod", err)
	}
}
