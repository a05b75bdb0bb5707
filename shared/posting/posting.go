// Package posting holds the per-company cache of Lever postings that feeds
// the link dropdown, and its refresh from Lever.
package posting

import (
	"context"
	"time"
)

// Posting is the cached view of one Lever posting. The light fields (ID …
// UpdatedAt) feed the link dropdown and GET /postings; the full fields are
// what a vendor needs to publish the posting (GET /postings/{postingId},
// GET /postings?include=content, the posting.* changes). Light returns the
// light view.
//
// Content.DescriptionHTML, ClosingHTML, the lists' Content and
// SalaryDescriptionHTML are Lever's HTML as its users wrote it: untrusted,
// the vendor sanitises before rendering. The Text / Items fields are
// leverlink's plain-text renderings of that HTML (see PlainText).
type Posting struct {
	ID           string    `json:"id"`
	Text         string    `json:"text"`
	State        string    `json:"state"` // published, internal, closed, draft, pending, rejected
	Confidential bool      `json:"confidential"`
	Team         string    `json:"team,omitempty"`
	Department   string    `json:"department,omitempty"`
	Location     string    `json:"location,omitempty"`
	Commitment   string    `json:"commitment,omitempty"`
	URL          string    `json:"url,omitempty"` // the public show URL
	UpdatedAt    time.Time `json:"updatedAt"`     // Lever's updatedAt

	// Full fields (omitted by Light).
	CreatedAt            time.Time    `json:"createdAt,omitzero"`
	DistributionChannels []string     `json:"distributionChannels,omitempty"` // public, internal (published only)
	AllLocations         []string     `json:"allLocations,omitempty"`
	Level                string       `json:"level,omitempty"`
	WorkplaceType        string       `json:"workplaceType,omitempty"` // onsite, remote, hybrid, unspecified
	Country              string       `json:"country,omitempty"`       // ISO 3166-1 alpha-2
	Tags                 []string     `json:"tags,omitempty"`
	URLs                 *URLs        `json:"urls,omitempty"` // nil when Lever sends null (closed postings)
	SalaryRange          *SalaryRange `json:"salaryRange,omitempty"`
	SalaryDescription    string       `json:"salaryDescription,omitempty"`
	// SalaryDescriptionHTML is untrusted HTML.
	SalaryDescriptionHTML string   `json:"salaryDescriptionHtml,omitempty"`
	Content               *Content `json:"content,omitempty"`
	// ContentOmitted is set ("too_large") when the content did not fit
	// in the cache item and no ContentStore holds it: Content is nil and
	// the vendor reads it from Lever's urls.show.
	ContentOmitted string `json:"contentOmitted,omitempty"`
	// ContentStored is true when the content is in the ContentStore,
	// not in the cache item (Content is nil in the item; Get fills it).
	ContentStored bool `json:"-"`

	// Sums are digests of the posting's field groups (see FieldGroups),
	// computed from what Lever sent, content included even when omitted:
	// the refresher compares them to rewrite only changed postings and to
	// say which fields a posting.updated changed. Empty on items cached
	// before sums existed.
	Sums map[string]string `json:"-"`
	// Announced is true once a posting.published was emitted for the
	// posting: only announced postings are later announced closed or
	// removed.
	Announced bool `json:"-"`
	// Last is the last change announced for the posting (zero when
	// none): see Stamp.
	Last Stamp `json:"-"`
}

// URLs are a posting's public links on Lever's job site.
type URLs struct {
	List  string `json:"list,omitempty"`
	Show  string `json:"show,omitempty"`
	Apply string `json:"apply,omitempty"`
}

// SalaryRange is a posting's salary range as Lever sends it.
type SalaryRange struct {
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	Currency string  `json:"currency"`
	Interval string  `json:"interval"` // e.g. per-year-salary
}

// Content is a posting's job description. Description and Closing are
// Lever's plain text; the *HTML fields and each list's Content are Lever's
// HTML, untrusted. Text is the whole description (description, each list
// with its title, closing) as plain text, rendered by leverlink.
type Content struct {
	Description     string        `json:"description"`
	DescriptionHTML string        `json:"descriptionHtml"`
	Lists           []ContentList `json:"lists"`
	Closing         string        `json:"closing"`
	ClosingHTML     string        `json:"closingHtml"`
	Text            string        `json:"text"`
}

// ContentList is one titled list of a posting's content: Text is the title,
// Content the items as Lever's (untrusted) HTML, Items the items as plain
// text.
type ContentList struct {
	Text    string   `json:"text"`
	Content string   `json:"content"`
	Items   []string `json:"items"`
}

// Light returns the light view of p (the GET /postings shape).
func (p Posting) Light() Posting {
	return Posting{
		ID: p.ID, Text: p.Text, State: p.State, Confidential: p.Confidential, Team: p.Team,
		Department: p.Department, Location: p.Location, Commitment: p.Commitment, URL: p.URL,
		UpdatedAt: p.UpdatedAt,
	}
}

// Cache is one company's cached postings and when they were last refreshed.
type Cache struct {
	Postings    []Posting
	RefreshedAt time.Time // zero when never refreshed
}

// Store persists the postings cache.
//
// List returns the company's cached postings ordered by id (empty, not an
// error, when none). Get returns apperr NotFound for an unknown posting.
// Apply writes the given postings, deletes the given ids and records
// refreshedAt, in as few requests as possible; it does not compare: callers
// pass only what changed. RefreshedAt is the cheap read of when the last
// refresh finished (zero when never). Safe for concurrent use.
type Store interface {
	List(ctx context.Context, companyID string) (Cache, error)
	RefreshedAt(ctx context.Context, companyID string) (time.Time, error)
	Get(ctx context.Context, companyID, postingID string) (Posting, error)
	Apply(ctx context.Context, companyID string, put []Posting, del []string, refreshedAt time.Time) error
}

// RefreshLease collapses concurrent refreshes of one company into one Lever
// pass across all function instances.
//
// AcquireRefresh takes the company's refresh lease for owner until now+ttl and
// returns apperr Conflict when another owner holds an unexpired one.
// ReleaseRefresh frees it if owner still holds it (no error otherwise).
type RefreshLease interface {
	AcquireRefresh(ctx context.Context, companyID, owner string, now time.Time, ttl time.Duration) error
	ReleaseRefresh(ctx context.Context, companyID, owner string) error
}

// ContentStore keeps the content of postings too large for their cache
// item (MaxInlineContent), e.g. in S3. PutContent replaces the posting's
// content; GetContent returns apperr NotFound when there is none;
// DeleteContent is not an error when there is none. Safe for concurrent
// use. Without a ContentStore, oversized content is dropped and the
// posting is marked ContentOmitted "too_large".
type ContentStore interface {
	PutContent(ctx context.Context, companyID, postingID string, c Content) error
	GetContent(ctx context.Context, companyID, postingID string) (Content, error)
	DeleteContent(ctx context.Context, companyID, postingID string) error
}
