package events

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/leverlink/leverlink/shared/outbox"
)

// TestOutboundTypesDocumented: docs/events.md's table and OpenAPI's enum
// list exactly outbox.Types.
func TestOutboundTypesDocumented(t *testing.T) {
	t.Parallel()
	md, err := os.ReadFile("../../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(md), "## Outbound events")
	if !ok {
		t.Fatal(`docs/events.md has no "## Outbound events"`)
	}
	for _, typ := range outbox.Types {
		if !strings.Contains(section, "| `"+string(typ)+"` |") {
			t.Errorf("docs/events.md: no table row for %s", typ)
		}
	}
	b, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `yaml:"enum"`
				} `yaml:"properties"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, typ := range outbox.Types {
		want = append(want, string(typ))
	}
	if got := doc.Components.Schemas["OutboundEvent"].Properties["type"].Enum; !slices.Equal(got, want) {
		t.Errorf("OpenAPI OutboundEvent.type enum = %v, want %v", got, want)
	}
}
