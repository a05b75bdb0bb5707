package posting

import (
	"reflect"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/lever"
)

// lp builds a Lever posting; edit adjusts it.
func lp(id, state string, edit ...func(*lever.Posting)) lever.Posting {
	p := lever.Posting{
		ID: id, Text: "Engineer " + id, State: state, Confidentiality: "non-confidential",
		Categories: lever.PostingCategories{Team: "Platform", Location: "Paris", AllLocations: []string{"Paris"}},
		CreatedAt:  1_700_000_000_000, UpdatedAt: 1_700_000_000_000,
		Content: &lever.PostingContent{Description: "Build", DescriptionHTML: "<div>Build</div>", Lists: []lever.ContentList{}},
	}
	if state == lever.PostingPublished {
		p.DistributionChannels = []string{"public"}
	}
	for _, e := range edit {
		e(&p)
	}
	return p
}

func cached(ps ...lever.Posting) []Posting {
	out := make([]Posting, 0, len(ps))
	for _, p := range ps {
		out = append(out, fromLever(p))
	}
	return out
}

// announced marks every posting announced (what the previous pass wrote).
func announced(ps []Posting) []Posting {
	for i := range ps {
		ps[i].Announced = true
	}
	return ps
}

type gotChange struct {
	Type   ChangeType
	ID     string
	Fields []string
}

func TestChanges(t *testing.T) {
	salary := func(p *lever.Posting) {
		p.SalaryRange = &lever.SalaryRange{Min: 1, Max: 2, Currency: "EUR", Interval: "per-year-salary"}
	}
	internalOnly := func(p *lever.Posting) { p.DistributionChannels = []string{"internal"} }
	tests := []struct {
		name     string
		old      []Posting
		fetched  []Posting
		internal bool
		want     []gotChange
	}{
		{"first seen published", nil, cached(lp("a", "published")), false,
			[]gotChange{{Published, "a", nil}}},
		{"first seen draft, closed, internal: nothing", nil,
			cached(lp("a", "draft"), lp("b", "closed"), lp("c", "internal"), lp("d", "published", internalOnly)), false, nil},
		{"internal-only announced when the company says so", nil,
			cached(lp("c", "internal"), lp("d", "published", internalOnly)), true,
			[]gotChange{{Published, "c", nil}, {Published, "d", nil}}},
		{"confidential never announced", nil,
			cached(lp("a", "published", func(p *lever.Posting) { p.Confidentiality = "confidential" })), true, nil},
		{"unchanged: nothing", announced(cached(lp("a", "published"))), cached(lp("a", "published")), false, nil},
		{"only updatedAt moved: nothing announced", announced(cached(lp("a", "published"))),
			cached(lp("a", "published", func(p *lever.Posting) { p.UpdatedAt++ })), false, nil},
		{"salary changed", announced(cached(lp("a", "published"))),
			cached(lp("a", "published", salary)), false,
			[]gotChange{{Updated, "a", []string{FieldSalary}}}},
		{"content, location and channels changed", announced(cached(lp("a", "published"))),
			cached(lp("a", "published", func(p *lever.Posting) {
				p.Content.DescriptionHTML = "<div>Build more</div>"
				p.Categories.AllLocations = []string{"Paris", "Lyon"}
				p.DistributionChannels = []string{"public", "internal"}
			})), false,
			[]gotChange{{Updated, "a", []string{FieldContent, FieldLocation, FieldChannels}}}},
		{"closed", announced(cached(lp("a", "published"))), cached(lp("a", "closed")), false,
			[]gotChange{{Closed, "a", nil}}},
		{"moved to the internal site only, not announced there", announced(cached(lp("a", "published"))),
			cached(lp("a", "published", internalOnly)), false,
			[]gotChange{{Closed, "a", nil}}},
		{"removed after closing", announced(cached(lp("a", "closed"))), nil, false,
			[]gotChange{{Removed, "a", nil}}},
		{"never announced and removed: nothing", cached(lp("a", "draft")), nil, false, nil},
		{"re-published", announced(cached(lp("a", "closed"))), cached(lp("a", "published")), false,
			[]gotChange{{Published, "a", nil}}},
		{"legacy item without digests: rewritten, not announced updated",
			[]Posting{{ID: "a", Text: "Engineer a", State: "published", Announced: true}},
			cached(lp("a", "published")), false, nil},
		{"ordered by posting id", announced(cached(lp("b", "published"), lp("c", "published"))),
			cached(lp("a", "published"), lp("b", "closed")), false,
			[]gotChange{{Published, "a", nil}, {Closed, "b", nil}, {Removed, "c", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes, next := Changes(tt.old, tt.fetched, tt.internal)
			var got []gotChange
			for _, c := range changes {
				got = append(got, gotChange{c.Type, c.PostingID, c.Fields})
				if c.ID == "" || (c.Type != Removed) != (c.Posting != nil) {
					t.Errorf("change %+v: want an id, and a posting unless removed", c)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Changes:\n got %+v\nwant %+v", got, tt.want)
			}
			if len(next) != len(tt.fetched) {
				t.Fatalf("next has %d postings, want %d", len(next), len(tt.fetched))
			}
			// Running the rule again on what it returned announces nothing.
			again, _ := Changes(next, next, tt.internal)
			if len(again) != 0 {
				t.Fatalf("second pass over the result announced %+v, want nothing", again)
			}
			// Same inputs, same ids (a retried refresh).
			twice, _ := Changes(tt.old, tt.fetched, tt.internal)
			for i := range changes {
				if twice[i].ID != changes[i].ID {
					t.Fatalf("change ids differ between two runs: %s vs %s", changes[i].ID, twice[i].ID)
				}
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Lever's example", `<div>The <u><b>Infrastructure Engineer</b></u> will act as...</div><div>Superman.</div>`,
			"The Infrastructure Engineer will act as...\nSuperman."},
		{"entities and spaces", "<p>R&amp;D  &lt;team&gt;\n\t rocks</p>", "R&D <team> rocks"},
		{"br and list", "a<br>b<ul><li>one</li><li>two <i>too</i></li></ul>", "a\nb\n- one\n- two too"},
		{"script and style dropped", `<div>x<script>alert(1)</script><style>p{}</style>y</div>`, "xy"},
		{"unclosed tags", "<div><b>bold <i>both", "bold both"},
		{"empty", "", ""},
		{"plain text", "just text", "just text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Fatalf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got, want := ListItems("<li>Quick learner</li><li>Ambitious &amp; kind</li>"), []string{"Quick learner", "Ambitious & kind"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ListItems = %q, want %q", got, want)
	}
}

func TestContentText(t *testing.T) {
	c := contentOf(lever.PostingContent{
		Description: "ignored when HTML renders", DescriptionHTML: "<div>Build <b>things</b></div>",
		Lists:   []lever.ContentList{{Text: "You have", Content: "<li>Go</li><li>SQL</li>"}},
		Closing: "Equal", ClosingHTML: "<div>Equal opportunity</div>",
	})
	want := "Build things\n\nYou have\n- Go\n- SQL\n\nEqual opportunity"
	if c.Text != want {
		t.Fatalf("Text = %q, want %q", c.Text, want)
	}
	if !reflect.DeepEqual(c.Lists[0].Items, []string{"Go", "SQL"}) || c.DescriptionHTML != "<div>Build <b>things</b></div>" {
		t.Fatalf("lists %+v / HTML %q: want items and the HTML kept as sent", c.Lists, c.DescriptionHTML)
	}
}

// TestWrittenLeavesLargeContentOut: an event carries content up to
// MaxEventContent; larger content is left out, marked too_large (the
// vendor reads GET /postings/{postingId}), and the cached posting keeps it.
func TestWrittenLeavesLargeContentOut(t *testing.T) {
	big := lp("a", "published", func(p *lever.Posting) {
		p.Content.DescriptionHTML = "<div>" + strings.Repeat("<b>x</b>", MaxEventContent/8) + "</div>"
	})
	for _, tc := range []struct {
		name        string
		p           Posting
		wantContent bool
	}{
		{"small content travels", cached(lp("a", "published"))[0], true},
		{"large content is left out", cached(big)[0], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, next := Changes(nil, []Posting{tc.p}, false)
			c, ok := Written(nil, &next[0])
			if !ok || c.Type != Published {
				t.Fatalf("Written = %+v, %v; want posting.published", c, ok)
			}
			if got := c.Posting.Content != nil; got != tc.wantContent || (!got && c.Posting.ContentOmitted != OmittedTooLarge) {
				t.Fatalf("event content %v omitted %q, want content %v (else too_large)", got, c.Posting.ContentOmitted, tc.wantContent)
			}
			if next[0].Content == nil {
				t.Fatal("the cached posting lost its content")
			}
		})
	}
}
