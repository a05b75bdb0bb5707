package postings

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/posting"
)

// leverAPI sends one request to the fake Lever's API (as a Lever user's
// integration would: docs #create-a-posting, #update-a-posting) and
// returns the posting it answers.
func leverAPI(t *testing.T, method, url, token, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var out struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: decode %s: %v", method, url, b, err)
	}
	return out.Data
}

// TestPublishingChanges: a posting created, edited (salary changed),
// closed and deleted in the fake Lever yields exactly posting.published,
// posting.updated [salary], posting.closed and posting.removed, in that
// order, one per refresh; a refresh that finds nothing changed announces
// nothing and writes no posting item; an internal-only posting is not
// announced (the company did not opt in).
func TestPublishingChanges(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "pub")
	r, db := countingRefresher(t, e)
	ann := memstore.NewAnnouncements()
	r.Announcer = ann
	ctx := ctxT(t)
	api := e.Fake.URL + "/v1"
	tok := acct.Authorize().AccessToken
	pa := "?perform_as=" + acct.AdminID()

	created := leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Infrastructure Engineer","state":"published",
		"distributionChannels":["public"],
		"categories":{"team":"Platform","department":"Engineering","location":"San Francisco","allLocations":["San Francisco","New York City"],"commitment":"Full-time"},
		"content":{"descriptionHtml":"<div>The <u><b>Infrastructure Engineer</b></u> will act as...</div><div>Superman.</div>",
		  "lists":[{"text":"Job requirements","content":"<li>Quick learner</li><li>Ambitious</li>"}],
		  "closingPostingHtml":"<div>Our company is <b>proud</b>.</div>"},
		"salaryDescriptionHtml":"<p>This is a salary description.</p>",
		"salaryRange":{"max":60000,"min":40000,"currency":"USD","interval":"per-year-salary"},
		"workplaceType":"remote","tags":["engineering"]}`)
	id, _ := created["id"].(string)
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Internal transfer","state":"published","distributionChannels":["internal"]}`)

	refresh := func(step string) posting.Result {
		t.Helper()
		db.reset()
		res, err := r.Refresh(ctx, "pub")
		if err != nil || res.Skipped != "" {
			t.Fatalf("%s: refresh %+v, %v", step, res, err)
		}
		return res
	}
	types := func() []string {
		var out []string
		for _, c := range ann.Changes("pub") {
			if c.PostingID != id {
				t.Fatalf("announced %s for posting %s, want only %s (the internal-only one is not announced)", c.Type, c.PostingID, id)
			}
			out = append(out, string(c.Type))
		}
		return out
	}

	refresh("created")
	if got := types(); !slices.Equal(got, []string{"posting.published"}) {
		t.Fatalf("after create: %v, want [posting.published]", got)
	}
	pub := ann.Changes("pub")[0]
	if p := pub.Posting; p == nil || p.SalaryRange == nil || p.SalaryRange.Max != 60000 || p.Content == nil ||
		p.Content.Text != "The Infrastructure Engineer will act as...\nSuperman.\n\nJob requirements\n- Quick learner\n- Ambitious\n\nOur company is proud." ||
		p.URLs == nil || !strings.HasSuffix(p.URLs.Apply, "/apply") || p.WorkplaceType != "remote" || len(p.AllLocations) != 2 {
		t.Fatalf("published change carries %+v, want the full posting", pub.Posting)
	}

	// Unchanged: nothing announced, no posting item written.
	res := refresh("unchanged")
	w := db.snapshot()
	if got := types(); len(got) != 1 || res.Announced != 0 || res.Written != 0 {
		t.Fatalf("unchanged refresh: changes %v, result %+v; want none new and nothing written", got, res)
	}
	for _, k := range []string{"put posting", "delete posting", "update posting"} {
		if w[k] != 0 {
			t.Fatalf("unchanged refresh wrote %s %d times, want 0", k, w[k])
		}
	}

	// The API: GET /postings keeps its light shape; the full posting is
	// GET /postings/{postingId} and GET /postings?include=content.
	var light struct {
		Postings []map[string]any `json:"postings"`
	}
	if code := e.Do("GET", path("pub", "/postings?state=all"), nil, &light); code != http.StatusOK || len(light.Postings) != 2 {
		t.Fatalf("GET /postings: %d, %d postings; want 200 and 2", code, len(light.Postings))
	}
	for _, p := range light.Postings {
		for _, k := range []string{"content", "salaryRange", "distributionChannels", "urls", "createdAt", "tags"} {
			if _, ok := p[k]; ok {
				t.Fatalf("GET /postings item has %q; want the light shape: %v", k, p)
			}
		}
	}
	var full posting.Posting
	if code := e.Do("GET", path("pub", "/postings/"+id), nil, &full); code != http.StatusOK {
		t.Fatalf("GET /postings/%s: %d", id, code)
	}
	if full.Content == nil || full.Content.DescriptionHTML != "<div>The <u><b>Infrastructure Engineer</b></u> will act as...</div><div>Superman.</div>" ||
		full.SalaryDescription != "This is a salary description." || full.SalaryDescriptionHTML != "<p>This is a salary description.</p>" ||
		len(full.Content.Lists) != 1 || !slices.Equal(full.Content.Lists[0].Items, []string{"Quick learner", "Ambitious"}) ||
		!slices.Equal(full.DistributionChannels, []string{"public"}) || full.CreatedAt.IsZero() || !slices.Equal(full.Tags, []string{"engineering"}) {
		t.Fatalf("GET /postings/%s = %+v, want the full posting", id, full)
	}
	var withContent struct {
		Postings []posting.Posting `json:"postings"`
	}
	if code := e.Do("GET", path("pub", "/postings?include=content"), nil, &withContent); code != http.StatusOK || len(withContent.Postings) != 2 {
		t.Fatalf("GET /postings?include=content: %d, %d postings, want 200 and 2", code, len(withContent.Postings))
	}
	for _, p := range withContent.Postings {
		if p.Content == nil {
			t.Fatalf("include=content: posting %s without content", p.ID)
		}
	}
	var bad errorBody
	if code := e.Do("GET", path("pub", "/postings?include=everything"), nil, &bad); code != http.StatusBadRequest || bad.Error.Field != "include" {
		t.Fatalf("include=everything: %d %+v, want 400 naming include", code, bad)
	}
	if code := e.Do("GET", path("pub", "/postings/unknown-posting"), nil, &bad); code != http.StatusNotFound {
		t.Fatalf("GET unknown posting: %d, want 404", code)
	}
	if code := e.Do("GET", path("other-co", "/postings/"+id), nil, &bad); code != http.StatusNotFound {
		t.Fatalf("GET another company's posting: %d, want 404", code)
	}

	// Salary changed: posting.updated naming salary.
	leverAPI(t, "POST", api+"/postings/"+id+pa, tok, `{"salaryRange":{"max":70000,"min":50000,"currency":"USD","interval":"per-year-salary"}}`)
	if res := refresh("salary"); res.Written != 1 {
		t.Fatalf("salary change wrote %d postings, want 1", res.Written)
	}
	cs := ann.Changes("pub")
	if got := types(); !slices.Equal(got, []string{"posting.published", "posting.updated"}) || !slices.Equal(cs[1].Fields, []string{"salary"}) ||
		cs[1].Posting.SalaryRange.Max != 70000 {
		t.Fatalf("after salary change: %v %+v, want posting.updated [salary] with the new range", got, cs[len(cs)-1])
	}

	// Closed, then deleted.
	leverAPI(t, "POST", api+"/postings/"+id+pa, tok, `{"state":"closed"}`)
	refresh("closed")
	if !acct.DeletePosting(id) {
		t.Fatal("delete posting in the fake")
	}
	refresh("deleted")
	refresh("unchanged after delete")
	want := []string{"posting.published", "posting.updated", "posting.closed", "posting.removed"}
	if got := types(); !slices.Equal(got, want) {
		t.Fatalf("changes across refreshes: %v, want %v", got, want)
	}
	ids := map[string]bool{}
	for _, c := range ann.Changes("pub") {
		ids[c.ID] = true
	}
	if len(ids) != 4 {
		t.Fatalf("change ids %v: want 4 distinct", ids)
	}
	if cs := ann.Changes("pub"); cs[2].State != "closed" || cs[3].Posting != nil {
		t.Fatalf("closed %+v / removed %+v: want state closed, and no posting on removed", cs[2], cs[3])
	}
}

// TestInternalPostingsAnnouncedWhenOptedIn: once the company's settings
// say announceInternalPostings (PUT /settings), the app's refresher
// (POST /postings/reload) announces internal-only postings too; before,
// only public ones.
func TestInternalPostingsAnnouncedWhenOptedIn(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "intl")
	ann := memstore.NewAnnouncements()
	e.App.Refresher.Announcer = ann
	api := e.Fake.URL + "/v1"
	tok := acct.Authorize().AccessToken
	pa := "?perform_as=" + acct.AdminID()
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Public","state":"published","distributionChannels":["public"]}`)
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Internal transfer","state":"published","distributionChannels":["internal"]}`)
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Unlisted","state":"internal"}`)
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Draft","state":"draft"}`)
	announced := func() []string {
		var got []string
		for _, c := range ann.Changes("intl") {
			got = append(got, string(c.Type)+" "+c.Posting.Text)
		}
		slices.Sort(got)
		return got
	}
	reload(t, e, "intl")
	if want := []string{"posting.published Public"}; !slices.Equal(announced(), want) {
		t.Fatalf("default settings: announced %v, want %v", announced(), want)
	}
	if code := e.Do("PUT", path("intl", "/settings"), map[string]any{"allowGeneralOpportunity": false, "exportBeforeConsent": false, "announceInternalPostings": true}, nil); code != http.StatusOK {
		t.Fatalf("PUT /settings: %d", code)
	}
	reload(t, e, "intl")
	want := []string{"posting.published Internal transfer", "posting.published Public", "posting.published Unlisted"}
	if got := announced(); !slices.Equal(got, want) {
		t.Fatalf("announceInternalPostings: announced %v, want %v", got, want)
	}
}
