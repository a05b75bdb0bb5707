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
