package posting

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"golang.org/x/net/html"

	"github.com/leverlink/leverlink/shared/lever"
)

// MaxInlineContent is the largest content (its JSON encoding, in bytes)
// kept in the posting's cache item. DynamoDB items are at most 400 KB; the
// rest of the item is small, so 300 KB leaves room for the other fields
// and attribute names. Larger content goes to a ContentStore when one is
// configured; otherwise the posting is cached without it and marked
// ContentOmitted "too_large" (visible in the API and in changes).
const MaxInlineContent = 300 << 10

// OmittedTooLarge is the ContentOmitted value of a posting whose content
// exceeded MaxInlineContent with no ContentStore configured.
const OmittedTooLarge = "too_large"

// Field groups: the digests of Posting.Sums, and the field names a
// posting.updated lists. Announced lists the groups whose change is
// announced as posting.updated; the others (state, timestamps,
// confidentiality) are rewritten silently or drive the other changes.
const (
	FieldTitle      = "title"      // text
	FieldContent    = "content"    // description, lists, closing
	FieldSalary     = "salary"     // salaryRange, salaryDescription
	FieldLocation   = "location"   // location, allLocations, country, workplaceType
	FieldChannels   = "channels"   // distributionChannels
	FieldCategories = "categories" // team, department, commitment, level
	FieldTags       = "tags"       // tags
	FieldURLs       = "urls"       // urls
	fieldState      = "state"      // state, confidential
	fieldTimes      = "timestamps" // createdAt, updatedAt
)

// UpdatedFields lists, in order, the field groups a posting.updated reports.
var UpdatedFields = []string{FieldTitle, FieldContent, FieldSalary, FieldLocation, FieldChannels, FieldCategories, FieldTags, FieldURLs}

// fromLever converts Lever's posting to the cached one, with its sums,
// the plain-text renderings of its HTML, and the content dropped (marked
// too_large) when it exceeds MaxInlineContent: the caller moves it to a
// ContentStore if it has one (see placeContent).
func fromLever(p lever.Posting) Posting {
	out := Posting{
		ID: p.ID, Text: p.Text, State: p.State, Confidential: p.Confidentiality == "confidential",
		Team: p.Categories.Team, Department: p.Categories.Department, Location: p.Categories.Location,
		Commitment: p.Categories.Commitment, URL: p.URLs.Show, UpdatedAt: p.UpdatedAt.Time(),
		CreatedAt: p.CreatedAt.Time(), DistributionChannels: nonEmpty(p.DistributionChannels),
		AllLocations: nonEmpty(p.Categories.AllLocations), Level: p.Categories.Level,
		WorkplaceType: p.WorkplaceType, Country: p.Country, Tags: nonEmpty(p.Tags),
		SalaryDescription: p.SalaryDescription, SalaryDescriptionHTML: p.SalaryDescriptionHTML,
	}
	if p.URLs != (lever.PostingURLs{}) {
		out.URLs = &URLs{List: p.URLs.List, Show: p.URLs.Show, Apply: p.URLs.Apply}
	}
	if p.SalaryRange != nil {
		sr := SalaryRange(*p.SalaryRange)
		out.SalaryRange = &sr
	}
	if p.Content != nil {
		out.Content = contentOf(*p.Content)
	}
	out.Sums = sumsOf(out)
	return out
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// contentOf converts Lever's content, adding the plain-text renderings.
func contentOf(c lever.PostingContent) *Content {
	out := &Content{
		Description: c.Description, DescriptionHTML: c.DescriptionHTML,
		Closing: c.Closing, ClosingHTML: c.ClosingHTML, Lists: []ContentList{},
	}
	parts := []string{PlainText(c.DescriptionHTML)}
	if parts[0] == "" {
		parts[0] = strings.TrimSpace(c.Description)
	}
	for _, l := range c.Lists {
		items := ListItems(l.Content)
		out.Lists = append(out.Lists, ContentList{Text: l.Text, Content: l.Content, Items: items})
		var b strings.Builder
		b.WriteString(strings.TrimSpace(l.Text))
		for _, it := range items {
			b.WriteString("\n- " + it)
		}
		parts = append(parts, strings.TrimSpace(b.String()))
	}
	closing := PlainText(c.ClosingHTML)
	if closing == "" {
		closing = strings.TrimSpace(c.Closing)
	}
	parts = append(parts, closing)
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	out.Text = strings.Join(parts, "\n\n")
	return out
}

// contentSize is the size of c's JSON encoding, the measure of
// MaxInlineContent.
func contentSize(c *Content) int {
	if c == nil {
		return 0
	}
	b, _ := json.Marshal(c) // plain strings: cannot fail
	return len(b)
}

// sumsOf returns the digest of each field group of p.
func sumsOf(p Posting) map[string]string {
	groups := map[string]any{
		FieldTitle:      p.Text,
		FieldContent:    p.Content,
		FieldSalary:     []any{p.SalaryRange, p.SalaryDescription, p.SalaryDescriptionHTML},
		FieldLocation:   []any{p.Location, p.AllLocations, p.Country, p.WorkplaceType},
		FieldChannels:   p.DistributionChannels,
		FieldCategories: []any{p.Team, p.Department, p.Commitment, p.Level},
		FieldTags:       p.Tags,
		FieldURLs:       []any{p.URL, p.URLs},
		fieldState:      []any{p.State, p.Confidential},
		fieldTimes:      []any{p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli()},
	}
	out := make(map[string]string, len(groups))
	for k, v := range groups {
		b, _ := json.Marshal(v) // strings, numbers and slices of them: cannot fail
		h := sha256.Sum256(b)
		out[k] = hex.EncodeToString(h[:8])
	}
	return out
}

// sameSums reports whether two sum sets are equal (an empty set equals
// nothing: it is a legacy item and is rewritten).
func sameSums(a, b map[string]string) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// digest is one digest of every sum, for change ids.
func digest(sums map[string]string) string {
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "=" + sums[k] + ";"))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// blocks are the elements that start a new line in PlainText.
var blocks = map[string]bool{
	"address": true, "article": true, "blockquote": true, "br": true, "dd": true, "div": true, "dl": true,
	"dt": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "hr": true,
	"li": true, "ol": true, "p": true, "pre": true, "section": true, "table": true, "tr": true, "ul": true,
}

// skipped are the elements whose text is never shown.
var skipped = map[string]bool{"script": true, "style": true, "template": true, "noscript": true, "head": true, "title": true}

// PlainText renders untrusted HTML as plain text with golang.org/x/net/html's
// tokenizer: tags are dropped, entities decoded, block elements (div, p,
// br, li …) start a new line, <li> items get a "- " bullet, script and style
// content is dropped, runs of spaces collapse and blank lines are removed.
// It never fails: malformed HTML yields the text the tokenizer finds.
func PlainText(s string) string {
	return strings.Join(renderLines(s, true), "\n")
}

// ListItems returns the text of each <li> of a list's HTML (Lever sends a
// list's content as "<li>…</li><li>…</li>"); text outside any <li> becomes
// its own item.
func ListItems(s string) []string {
	return renderLines(s, false)
}

// renderLines tokenizes s into lines; with bullets, <li> lines start with
// "- ".
func renderLines(s string, bullets bool) []string {
	z := html.NewTokenizer(strings.NewReader(s))
	var lines []string
	var cur strings.Builder
	prefix := ""
	skip := 0
	flush := func() {
		line := strings.Join(strings.Fields(cur.String()), " ")
		if line != "" {
			lines = append(lines, prefix+line)
		}
		cur.Reset()
		prefix = ""
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush()
			return lines
		case html.TextToken:
			if skip == 0 {
				cur.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if skipped[tag] {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if blocks[tag] {
				flush()
				if tag == "li" && bullets {
					prefix = "- "
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if skipped[string(name)] {
				skip = max(skip-1, 0)
				continue
			}
			if blocks[string(name)] {
				flush()
			}
		}
	}
}
