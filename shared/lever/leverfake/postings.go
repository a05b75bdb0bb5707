package leverfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// postingInput is the body of POST /postings and POST /postings/:posting
// (docs #create-a-posting, #update-a-posting). Pointers tell a field that
// was sent from one that was not: an update changes only what is sent
// ("Only the provided attributes will be updated").
type postingInput struct {
	Text                  *string              `json:"text"`
	State                 *string              `json:"state"`
	DistributionChannels  *[]string            `json:"distributionChannels"`
	Owner                 *string              `json:"owner"`
	HiringManager         *string              `json:"hiringManager"`
	Categories            *Categories          `json:"categories"`
	Tags                  *[]string            `json:"tags"`
	Content               *postingContentInput `json:"content"`
	WorkplaceType         *string              `json:"workplaceType"`
	RequisitionCodes      *[]string            `json:"requisitionCodes"`
	SalaryDescriptionHTML *string              `json:"salaryDescriptionHtml"`
	SalaryRange           *salaryRangeInput    `json:"salaryRange"`
}

// postingContentInput is the request's content: the docs' examples send
// descriptionHtml, lists and closingPostingHtml (docs #create-a-posting);
// Lever answers with closingHtml. Assumption: closingHtml is accepted in
// requests too (the fake takes either; closingPostingHtml wins).
type postingContentInput struct {
	DescriptionHTML    *string        `json:"descriptionHtml"`
	Lists              *[]ContentList `json:"lists"`
	ClosingPostingHTML *string        `json:"closingPostingHtml"`
	ClosingHTML        *string        `json:"closingHtml"`
}

type salaryRangeInput struct {
	Max      *float64 `json:"max"`
	Min      *float64 `json:"min"`
	Currency *string  `json:"currency"`
	Interval *string  `json:"interval"`
}

var (
	postingStates  = []string{"published", "internal", "closed", "draft", "pending", "rejected"}
	workplaceTypes = []string{"onsite", "remote", "hybrid"} // docs #postings "workplaceType"
	// Supported HTML (docs #html-support): "invalid HTML will return
	// with an error".
	descriptionTags = []string{"div", "p", "span", "br", "b", "i", "s", "u", "a"}
	listTags        = []string{"li", "b", "i", "s", "u", "a"}
)

// createPosting is POST /postings (docs #create-a-posting): perform_as is
// required; text is required; state defaults to draft; distributionChannels
// default to public and internal; the creator and owner default to
// perform_as; "It is not currently possible to create a confidential
// posting through the API".
func (f *Fake) createPosting(w http.ResponseWriter, r *http.Request, a *account) {
	in, performAs, ok := decodePostingInput(w, r)
	if !ok {
		return
	}
	if in.Text == nil || strings.TrimSpace(*in.Text) == "" {
		badRequest(w, "Missing text")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !a.activeUser(performAs) {
		badRequest(w, "perform_as must be an active user of the account")
		return
	}
	p := Posting{State: "draft", User: performAs, Owner: performAs, Confidentiality: "non-confidential", Content: &PostingContent{Lists: []ContentList{}}}
	if msg := f.applyPostingInput(a, &p, in, true); msg != "" {
		badRequest(w, msg)
		return
	}
	if in.DistributionChannels == nil {
		p.DistributionChannels = []string{"public", "internal"}
	}
	pp := f.addPostingLocked(a, p)
	writeData(w, http.StatusCreated, *pp)
}

// updatePosting is POST /postings/:posting (docs #update-a-posting): a
// partial update on behalf of perform_as (required). updatedAt moves to
// now.
func (f *Fake) updatePosting(w http.ResponseWriter, r *http.Request, a *account) {
	in, performAs, ok := decodePostingInput(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !a.activeUser(performAs) {
		badRequest(w, "perform_as must be an active user of the account")
		return
	}
	pp := a.posting(r.PathValue("id"))
	if pp == nil {
		notFound(w, "posting", r.PathValue("id"))
		return
	}
	p := clonePosting(*pp)
	if msg := f.applyPostingInput(a, &p, in, false); msg != "" {
		badRequest(w, msg)
		return
	}
	p.UpdatedAt = max(f.nowMillis(), p.UpdatedAt+1)
	*pp = p
	writeData(w, http.StatusOK, p)
}

func decodePostingInput(w http.ResponseWriter, r *http.Request) (postingInput, string, bool) {
	var in postingInput
	performAs := r.URL.Query().Get("perform_as")
	if performAs == "" {
		badRequest(w, "Missing perform_as parameter")
		return in, "", false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		badRequest(w, "Invalid JSON body")
		return in, "", false
	}
	return in, performAs, true
}

// applyPostingInput applies the sent fields to p and returns a 400
// message when one is invalid; f.mu is held. Lever renders the plain-text
// description and closing from the HTML (the docs' responses carry both).
func (f *Fake) applyPostingInput(a *account, p *Posting, in postingInput, create bool) string {
	if in.Text != nil {
		if strings.TrimSpace(*in.Text) == "" {
			return "text cannot be empty"
		}
		p.Text = *in.Text
	}
	if in.State != nil {
		if !slices.Contains(postingStates, *in.State) {
			return "Invalid state"
		}
		p.State = *in.State
	}
	if in.DistributionChannels != nil {
		for _, c := range *in.DistributionChannels {
			if c != "public" && c != "internal" {
				return "Invalid distributionChannels"
			}
		}
		p.DistributionChannels = slices.Clone(*in.DistributionChannels)
	}
	for _, u := range []*string{in.Owner, in.HiringManager} {
		if u != nil && !a.activeUser(*u) {
			return "Invalid user " + *u
		}
	}
	if in.Owner != nil {
		p.Owner = *in.Owner
	}
	if in.HiringManager != nil {
		p.HiringManager = *in.HiringManager
	}
	if in.Categories != nil {
		p.Categories = *in.Categories
		if p.Categories.AllLocations == nil && p.Categories.Location != "" {
			p.Categories.AllLocations = []string{p.Categories.Location}
		}
	}
	if in.Tags != nil {
		p.Tags = slices.Clone(*in.Tags)
	}
	if in.RequisitionCodes != nil {
		p.RequisitionCodes = slices.Clone(*in.RequisitionCodes)
	}
	if in.WorkplaceType != nil {
		// "Once workplaceType is set to either 'remote', 'onsite', or
		// 'hybrid', workplaceType cannot be set back to 'unspecified'"
		// (docs #update-a-posting).
		if !slices.Contains(workplaceTypes, *in.WorkplaceType) {
			return "Invalid workplaceType"
		}
		p.WorkplaceType = *in.WorkplaceType
	}
	if c := in.Content; c != nil {
		pc := PostingContent{Lists: []ContentList{}}
		if p.Content != nil {
			pc = *p.Content
			pc.Lists = slices.Clone(pc.Lists)
		}
		if c.DescriptionHTML != nil {
			if !allowedHTML(*c.DescriptionHTML, descriptionTags) {
				return "Invalid HTML in content.descriptionHtml"
			}
			pc.DescriptionHTML, pc.Description = *c.DescriptionHTML, htmlText(*c.DescriptionHTML)
		}
		closing := c.ClosingHTML
		if c.ClosingPostingHTML != nil {
			closing = c.ClosingPostingHTML
		}
		if closing != nil {
			if !allowedHTML(*closing, descriptionTags) {
				return "Invalid HTML in content.closingPostingHtml"
			}
			pc.ClosingHTML, pc.Closing = *closing, htmlText(*closing)
		}
		if c.Lists != nil {
			pc.Lists = []ContentList{}
			for _, l := range *c.Lists {
				if !allowedHTML(l.Content, listTags) {
					return "Invalid HTML in content.lists"
				}
				pc.Lists = append(pc.Lists, l)
			}
		}
		p.Content = &pc
	}
	if in.SalaryDescriptionHTML != nil {
		if !allowedHTML(*in.SalaryDescriptionHTML, descriptionTags) {
			return "Invalid HTML in salaryDescriptionHtml"
		}
		p.SalaryDescriptionHTML, p.SalaryDescription = *in.SalaryDescriptionHTML, htmlText(*in.SalaryDescriptionHTML)
	}
	if s := in.SalaryRange; s != nil {
		// "if one child field is filled out they all must be filled
		// out" (docs #create-a-posting).
		if s.Max == nil || s.Min == nil || s.Currency == nil || s.Interval == nil {
			return "salaryRange requires max, min, currency and interval"
		}
		if *s.Min > *s.Max {
			return "salaryRange min cannot exceed max" // assumption: Lever refuses an inverted range
		}
		p.SalaryRange = &SalaryRange{Max: *s.Max, Min: *s.Min, Currency: *s.Currency, Interval: *s.Interval}
	}
	f.settlePostingState(a, p, create)
	return ""
}

// settlePostingState applies the fake's rules for channels and urls after
// a state change (see addPostingLocked): non-published postings have null
// distributionChannels, closed ones null urls (recorded
// posting-closed.json); a reopened posting gets its urls back.
func (f *Fake) settlePostingState(a *account, p *Posting, create bool) {
	if create {
		return // addPostingLocked settles a new posting
	}
	switch {
	case p.State != "published":
		p.DistributionChannels = nil
	case p.DistributionChannels == nil:
		p.DistributionChannels = []string{"public", "internal"}
	}
	switch {
	case p.State == "closed":
		p.URLs = nil
	case p.URLs == nil:
		base := "https://jobs.lever.co/" + a.slug
		p.URLs = &PostingURLs{List: base, Show: base + "/" + p.ID, Apply: base + "/" + p.ID + "/apply"}
	}
}

func clonePosting(p Posting) Posting {
	if p.Content != nil {
		c := *p.Content
		c.Lists = slices.Clone(c.Lists)
		p.Content = &c
	}
	if p.URLs != nil {
		u := *p.URLs
		p.URLs = &u
	}
	if p.SalaryRange != nil {
		s := *p.SalaryRange
		p.SalaryRange = &s
	}
	p.DistributionChannels = slices.Clone(p.DistributionChannels)
	p.Tags = slices.Clone(p.Tags)
	p.Categories.AllLocations = slices.Clone(p.Categories.AllLocations)
	return p
}

// allowedHTML reports whether s uses only the given tags (docs
// #html-support; attributes and styles are not checked).
func allowedHTML(s string, tags []string) bool {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return true
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if !slices.Contains(tags, string(name)) {
				return false
			}
		}
	}
}

// htmlText is the fake's plain-text rendering of posting HTML: text of
// each div, p or br on its own line, entities decoded. Lever's exact
// rendering is not documented beyond its examples ("…will act
// as...\nSuperman." for two divs); the client never relies on it.
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var lines []string
	var cur strings.Builder
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			lines = append(lines, t)
		}
		cur.Reset()
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			flush()
			return strings.Join(lines, "\n")
		case html.TextToken:
			cur.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if n := string(name); n == "div" || n == "p" || n == "br" {
				flush()
			}
		}
	}
}

// UpdatePosting applies edit to the posting and moves its updatedAt to now
// (the Go side of POST /postings/:posting, for tests); false when unknown.
func (acc *Account) UpdatePosting(id string, edit func(*Posting)) bool {
	found := false
	acc.locked(func(a *account) {
		pp := a.posting(id)
		if pp == nil {
			return
		}
		p := clonePosting(*pp)
		edit(&p)
		acc.f.settlePostingState(a, &p, false)
		p.UpdatedAt = max(acc.f.nowMillis(), p.UpdatedAt+1)
		*pp = p
		found = true
	})
	return found
}

// DeletePosting removes a posting, as a Lever user deleting it in the app
// does (Lever's API has no delete: docs #postings advise keeping postings
// closed instead, but users can delete them); false when unknown.
func (acc *Account) DeletePosting(id string) bool {
	found := false
	acc.locked(func(a *account) {
		for i, p := range a.postings {
			if p.ID == id {
				a.postings = slices.Delete(a.postings, i, i+1)
				found = true
				return
			}
		}
	})
	return found
}
