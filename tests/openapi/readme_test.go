package openapi_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeListsTargetsAndSettings: README names every Makefile target
// (but the build-* helpers sam calls) and every environment setting the
// local stack (infra/local) reads.
func TestReadmeListsTargetsAndSettings(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	targets := regexp.MustCompile(`(?m)^([a-z][a-z-]*):`).FindAllStringSubmatch(string(mk), -1)
	if len(targets) < 5 {
		t.Fatalf("Makefile: found only %d targets", len(targets))
	}
	for _, m := range targets {
		if !strings.Contains(string(readme), "`make "+m[1]) {
			t.Errorf("README does not list `make %s`", m[1])
		}
	}
	files, err := filepath.Glob("../../infra/local/*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?:envOr|[gG]etenv)\("([A-Z][A-Z0-9_]+)"`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !strings.Contains(string(readme), "`"+m[1]+"`") {
				t.Errorf("README does not list the local setting %s (read in %s)", m[1], filepath.Base(f))
			}
		}
	}
	if seen < 5 {
		t.Fatalf("infra/local: found only %d settings; has the way they are read changed?", seen)
	}
}
