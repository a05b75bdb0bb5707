package leverfake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestPostingWrites drives POST /postings and POST /postings/:posting as
// Lever documents them (docs #create-a-posting, #update-a-posting), and
// the admin delete.
func TestPostingWrites(t *testing.T) {
	ts, a, tok := start(t, leverfake.Options{NoRateLimit: true})
	api := ts.URL + "/v1"
	pa := "?perform_as=" + a.AdminID()
	c := http.DefaultClient
	send := func(method, path, body string) (int, leverfake.Posting, string) {
		t.Helper()
		code, _, b := call(t, c, method, api+path, tok, "application/json", strings.NewReader(body))
		var out struct {
			Data leverfake.Posting `json:"data"`
			Code string            `json:"code"`
		}
		_ = json.Unmarshal(b, &out)
		return code, out.Data, out.Code
	}

	// Refusals.
	for _, tt := range []struct {
		name, path, body string
	}{
		{"no perform_as", "/postings", `{"text":"X"}`},
		{"no text", "/postings" + pa, `{"state":"published"}`},
		{"partial salary range", "/postings" + pa, `{"text":"X","salaryRange":{"min":1,"max":2}}`},
		{"unsupported HTML", "/postings" + pa, `{"text":"X","content":{"descriptionHtml":"<script>x</script>"}}`},
		{"unknown state", "/postings" + pa, `{"text":"X","state":"open"}`},
		{"workplaceType back to unspecified", "/postings" + pa, `{"text":"X","workplaceType":"unspecified"}`},
	} {
		if code, _, _ := send("POST", tt.path, tt.body); code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tt.name, code)
		}
	}

	// Create: state defaults to draft, channels to public and internal.
	code, draft, _ := send("POST", "/postings"+pa, `{"text":"Draft role"}`)
	if code != http.StatusCreated || draft.State != "draft" || draft.DistributionChannels != nil {
		t.Fatalf("create draft: %d %+v, want 201 draft without channels", code, draft)
	}
	code, p, _ := send("POST", "/postings"+pa, `{"text":"Infrastructure Engineer","state":"published",
		"categories":{"team":"Platform","location":"San Francisco","commitment":"Full-time"},
		"content":{"descriptionHtml":"<div>The <u><b>Infrastructure Engineer</b></u> will act as...</div><div>Superman.</div>",
		  "lists":[{"text":"Job requirements","content":"<li>Quick learner</li><li>Ambitious</li>"}],
		  "closingPostingHtml":"<div>Our company is proud.</div>"},
		"salaryDescriptionHtml":"<p>This is a salary description.</p>",
		"salaryRange":{"max":60000,"min":40000,"currency":"USD","interval":"per-year-salary"},
		"workplaceType":"onsite","tags":["engineering"]}`)
	if code != http.StatusCreated {
		t.Fatalf("create: status %d", code)
	}
	if p.State != "published" || strings.Join(p.DistributionChannels, ",") != "public,internal" || p.Owner != a.AdminID() ||
		p.Content.Description != "The Infrastructure Engineer will act as...\nSuperman." || p.Content.Closing != "Our company is proud." ||
		p.SalaryDescription != "This is a salary description." || p.SalaryRange == nil || p.SalaryRange.Max != 60000 ||
		p.URLs == nil || p.WorkplaceType != "onsite" || strings.Join(p.Categories.AllLocations, ",") != "San Francisco" {
		t.Fatalf("created posting: %+v", p)
	}

	// Update: only what is sent changes; updatedAt moves.
	code, up, _ := send("POST", "/postings/"+p.ID+pa, `{"salaryRange":{"max":70000,"min":50000,"currency":"USD","interval":"per-year-salary"}}`)
	if code != http.StatusOK || up.SalaryRange.Max != 70000 || up.Text != p.Text || up.Content.DescriptionHTML != p.Content.DescriptionHTML || up.UpdatedAt <= p.UpdatedAt {
		t.Fatalf("update salary: %d %+v", code, up)
	}
	// Close: urls and channels become null (recorded posting-closed.json).
	code, closed, _ := send("POST", "/postings/"+p.ID+pa, `{"state":"closed"}`)
	if code != http.StatusOK || closed.State != "closed" || closed.URLs != nil || closed.DistributionChannels != nil {
		t.Fatalf("close: %d %+v", code, closed)
	}
	if code, _, _ := send("POST", "/postings/nope"+pa, `{"state":"closed"}`); code != http.StatusNotFound {
		t.Fatalf("update unknown posting: %d, want 404", code)
	}

	// Admin: edit and delete.
	code, _, b := call(t, c, "PATCH", ts.URL+"/_admin/accounts/"+a.ID+"/postings/"+p.ID, "", "application/json", strings.NewReader(`{"text":"Renamed"}`))
	if code != http.StatusOK || !strings.Contains(string(b), `"Renamed"`) {
		t.Fatalf("admin edit: %d %s", code, b)
	}
	if code, _, _ := call(t, c, "DELETE", ts.URL+"/_admin/accounts/"+a.ID+"/postings/"+p.ID, "", "", nil); code != http.StatusNoContent {
		t.Fatalf("admin delete: %d, want 204", code)
	}
	if code, _, _ := call(t, c, "GET", api+"/postings/"+p.ID, tok, "", nil); code != http.StatusNotFound {
		t.Fatalf("GET deleted posting: %d, want 404", code)
	}
	if code, _, _ := call(t, c, "DELETE", ts.URL+"/_admin/accounts/"+a.ID+"/postings/"+p.ID, "", "", nil); code != http.StatusNotFound {
		t.Fatalf("admin delete twice: %d, want 404", code)
	}
}
