package templatecheck

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/leverlink/leverlink/shared/dynamo"
)

// TestStreamFiltersMatchTheDecoder: the dispatcher's DynamoDB stream
// filters let through exactly the items dynamo.StreamChange turns into
// outbound events; a prefix missing from a filter would silently drop its
// events in AWS (the local stream poller does not filter).
func TestStreamFiltersMatchTheDecoder(t *testing.T) {
	t.Parallel()
	tmpl := decode(t, readTemplate(t))
	fn := asMap(asMap(asMap(tmpl["Resources"])["DispatcherFunction"])["Properties"])
	got := map[string][]string{}
	for name, ev := range asMap(fn["Events"]) {
		p := asMap(asMap(ev)["Properties"])
		stream := asMap(p["Stream"])
		ga := asSlice(stream["Fn::GetAtt"])
		if len(ga) != 2 {
			continue
		}
		table := fmt.Sprint(ga[0])
		for _, f := range asSlice(asMap(p["FilterCriteria"])["Filters"]) {
			var pat struct {
				DynamoDB struct {
					Keys struct {
						SK struct {
							S []struct {
								Prefix string `json:"prefix"`
							} `json:"S"`
						} `json:"sk"`
					} `json:"Keys"`
				} `json:"dynamodb"`
			}
			if err := json.Unmarshal([]byte(fmt.Sprint(asMap(f)["Pattern"])), &pat); err != nil {
				t.Fatalf("%s filter pattern: %v", name, err)
			}
			for _, s := range pat.DynamoDB.Keys.SK.S {
				got[table] = append(got[table], s.Prefix)
			}
		}
	}
	for table, want := range dynamo.StreamKeyPrefixes {
		g := slices.Clone(got[table])
		slices.Sort(g)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("dispatcher's %s stream filter lets through %v, StreamChange decodes %v", table, g, w)
		}
	}
}
