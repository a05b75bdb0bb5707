package lever

import (
	"context"
	"net/url"
	"strconv"
)

// Posting is a Lever job posting. A closed posting may carry
// "distributionChannels": null, "urls": null and "level": null (recorded
// posting-closed.json): they decode as nil / zero values.
type Posting struct {
	ID                   string            `json:"id"`
	Text                 string            `json:"text"`
	State                string            `json:"state"` // published, internal, closed, draft, pending, rejected
	Confidentiality      string            `json:"confidentiality"`
	Categories           PostingCategories `json:"categories"`
	Tags                 []string          `json:"tags"`
	CreatedAt            Timestamp         `json:"createdAt"`
	UpdatedAt            Timestamp         `json:"updatedAt"`
	URLs                 PostingURLs       `json:"urls"`
	User                 string            `json:"user,omitempty"`
	Owner                string            `json:"owner,omitempty"`
	HiringManager        string            `json:"hiringManager,omitempty"`
	DistributionChannels []string          `json:"distributionChannels"` // job sites of a published posting: "public", "internal"
	Country              string            `json:"country,omitempty"`
	WorkplaceType        string            `json:"workplaceType,omitempty"`
	// Content is sent by GET /postings/:id and, in lists, only with
	// include=content (docs #list-all-postings "include"); nil otherwise.
	Content *PostingContent `json:"content,omitempty"`
	// SalaryRange is nil when the posting has none: "if one child field is
	// filled out they all must be filled out" (docs #create-a-posting).
	SalaryRange           *SalaryRange `json:"salaryRange,omitempty"`
	SalaryDescription     string       `json:"salaryDescription,omitempty"`
	SalaryDescriptionHTML string       `json:"salaryDescriptionHtml,omitempty"`
}

// PostingContent is a posting's job description (docs
// #retrieve-a-single-posting; recorded posting-closed.json). The HTML
// fields are Lever's, as its users wrote them (docs #html-support lists
// the tags Lever accepts); Description and Closing are Lever's plain-text
// renderings. Lists hold <li> items as HTML.
type PostingContent struct {
	Description     string        `json:"description"`
	DescriptionHTML string        `json:"descriptionHtml"`
	Lists           []ContentList `json:"lists"`
	Closing         string        `json:"closing"`
	ClosingHTML     string        `json:"closingHtml"`
}

// ContentList is one titled list of a posting's content: Text is the
// title, Content the items as HTML (<li>…</li>).
type ContentList struct {
	Text    string `json:"text"`
	Content string `json:"content"`
}

// SalaryRange is a posting's salary range (docs #retrieve-a-single-posting:
// max, min, currency, interval such as "per-year-salary"). Lever documents
// numbers; they are kept as float64.
type SalaryRange struct {
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	Currency string  `json:"currency"`
	Interval string  `json:"interval"`
}

// PostingCategories are a posting's categories.
type PostingCategories struct {
	Team       string `json:"team,omitempty"`
	Department string `json:"department,omitempty"`
	Location   string `json:"location,omitempty"`
	Commitment string `json:"commitment,omitempty"`
	Level      string `json:"level,omitempty"` // deprecated by Lever; null on recorded postings
	// AllLocations lists every location of a multi-location posting.
	AllLocations []string `json:"allLocations,omitempty"`
}

// PostingURLs are a posting's public links.
type PostingURLs struct {
	List  string `json:"list,omitempty"`
	Show  string `json:"show,omitempty"`
	Apply string `json:"apply,omitempty"`
}

// Posting states.
const (
	PostingPublished = "published"
	PostingInternal  = "internal"
	PostingClosed    = "closed"
	PostingDraft     = "draft"
	PostingPending   = "pending"
	PostingRejected  = "rejected"
)

// PostingsParams filters postings.
type PostingsParams struct {
	States []string // union of states; empty for every state
	// Confidentiality is "" for non-confidential postings only (Lever's
	// default), "all" for both, or "confidential".
	Confidentiality string
	Limit           int // page size 1..100; 0 for Lever's default (100)
	// DistributionChannels are sent as repeated distributionChannel
	// parameters. Without them Lever lists only published postings that
	// appear on the public job site (#list-all-postings, Note); use
	// AllChannels to also get published postings of the internal job site.
	DistributionChannels []string
	// IncludeContent asks for each posting's content in the list
	// (include=content, docs #list-all-postings).
	IncludeContent bool
}

// Distribution channels of a published posting.
const (
	ChannelPublic   = "public"
	ChannelInternal = "internal"
)

// AllChannels asks for published postings of both job sites.
var AllChannels = []string{ChannelPublic, ChannelInternal}

func (p PostingsParams) query() url.Values {
	q := url.Values{}
	for _, s := range p.States {
		q.Add("state", s)
	}
	if p.Confidentiality != "" {
		q.Set("confidentiality", p.Confidentiality)
	}
	for _, ch := range p.DistributionChannels {
		q.Add("distributionChannel", ch)
	}
	if p.IncludeContent {
		q.Set("include", "content")
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(min(p.Limit, 100)))
	}
	return q
}

// ListPostings returns every posting matching p, following pagination
// (GET /postings). Errors: see the package documentation.
func (c *Client) ListPostings(ctx context.Context, p PostingsParams) ([]Posting, error) {
	return listAll[Posting](ctx, c, "/postings", "GET /postings", p.query())
}

// PostingsPage returns one page of postings starting at offset ("" for the
// first page, then the previous page's Next). Errors: see the package
// documentation.
func (c *Client) PostingsPage(ctx context.Context, p PostingsParams, offset string) (Page[Posting], error) {
	return getPage[Posting](ctx, c, "/postings", "GET /postings", p.query(), offset)
}
