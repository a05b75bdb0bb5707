package lever

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Opportunity is one candidacy of a contact (LEVER.md §11). Contact is the
// person's stable id; ID is the candidacy's.
type Opportunity struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Headline  string   `json:"headline"`
	Contact   string   `json:"contact"`
	Emails    []string `json:"emails"`
	Phones    []Phone  `json:"phones"`
	Location  string   `json:"location"`
	Links     []string `json:"links"`
	Tags      []string `json:"tags"`
	Sources   []string `json:"sources"`
	Origin    string   `json:"origin"`
	Stage     string   `json:"stage"`
	Owner     string   `json:"owner"`
	Followers []string `json:"followers"`
	// Applications are the ids of the opportunity's live applications (at
	// most one). Lever sends no "postings" field (recorded
	// opportunity-archived.json); find an opportunity's posting with
	// ListOpportunities' PostingID filter.
	Applications    []string        `json:"applications"`
	Confidentiality string          `json:"confidentiality"` // "non-confidential" or "confidential"
	URLs            OpportunityURLs `json:"urls"`
	CreatedAt       Timestamp       `json:"createdAt"`
	UpdatedAt       Timestamp       `json:"updatedAt"`
	// Archived is nil for an active opportunity, else {reason, archivedAt}
	// (recorded opportunity-archived.json). Lever lists archived ones by
	// default (#list-all-opportunities "archived").
	Archived *Archived `json:"archived"`
}

// Active reports whether o is not archived. Adopt or dedupe onto active
// opportunities only.
func (o Opportunity) Active() bool { return o.Archived == nil }

// Phone is a typed phone number ("mobile", "work", ...).
type Phone struct {
	Type  string `json:"type,omitempty"`
	Value string `json:"value"`
}

// OpportunityURLs are the opportunity's links in Lever's app; Show is the
// candidate profile (take it from here, hosts differ per region/sandbox).
type OpportunityURLs struct {
	List string `json:"list"`
	Show string `json:"show"`
}

// Archived is set when the opportunity is archived: Reason is an archive
// reason id (ListArchiveReasons).
type Archived struct {
	Reason     string    `json:"reason"`
	ArchivedAt Timestamp `json:"archivedAt"`
}

// ArchiveReason is one of the account's archive reasons (#archive-reasons).
type ArchiveReason struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Status string `json:"status"` // active or inactive
	Type   string `json:"type"`   // hired or non-hired
}

// ListArchiveReasons returns the account's archive reasons
// (GET /archive_reasons, scope archive_reasons:read:admin). Errors: see the
// package documentation.
func (c *Client) ListArchiveReasons(ctx context.Context) ([]ArchiveReason, error) {
	return listAll[ArchiveReason](ctx, c, "/archive_reasons", "GET /archive_reasons", nil)
}

// SetArchived archives an opportunity with reasonID, changes the reason of
// an archived one, or unarchives it when reasonID is ""
// (PUT /opportunities/:id/archived with {"reason": id|null},
// #update-opportunity-archived-state; perform_as when configured). It is
// idempotent and retried like a GET; it returns the opportunity as Lever
// answers it.
//
// Errors: apperr.NotFound for an unknown opportunity or archive reason;
// see the package documentation.
func (c *Client) SetArchived(ctx context.Context, opportunityID, reasonID string) (Opportunity, error) {
	if err := requireID("opportunityId", opportunityID); err != nil {
		return Opportunity{}, err
	}
	q, _ := c.performAsQuery(false)
	var reason *string
	if reasonID != "" {
		reason = &reasonID
	}
	body, _ := json.Marshal(struct {
		Reason *string `json:"reason"`
	}{reason})
	var env envelope[Opportunity]
	err := c.do(ctx, request{
		method: http.MethodPut, path: "/opportunities/" + pathID(opportunityID) + "/archived",
		label: "PUT /opportunities/:id/archived", query: q, body: body,
		contentType: "application/json", idempotent: true,
	}, &env)
	return env.Data, err
}

// Origins accepted by Lever.
const (
	OriginAgency     = "agency"
	OriginApplied    = "applied"
	OriginInternal   = "internal"
	OriginReferred   = "referred"
	OriginSourced    = "sourced"
	OriginUniversity = "university"
)

// OpportunityInput is the body of CreateOpportunity. Every field is
// optional; Postings holds at most one posting id.
type OpportunityInput struct {
	Name      string
	Headline  string
	Location  string
	Phones    []Phone
	Emails    []string
	Links     []string
	Tags      []string
	Sources   []string
	Origin    string
	Owner     string
	Followers []string
	Postings  []string
	Stage     string
	Contact   string    // existing contact to attach to
	CreatedAt time.Time // past only; zero to let Lever stamp it
	Resume    *Resume   // sent as multipart resumeFile when set
}

// Resume is a file attached to a create as resumeFile.
type Resume struct {
	FileName    string
	ContentType string // application/octet-stream when empty
	Data        []byte
}

// maxFileBytes is Lever's upload limit (30 MB).
const maxFileBytes = 30 << 20

// CreateOpportunity creates an opportunity (POST /opportunities?perform_as=).
// It sends JSON, or multipart/form-data when in.Resume is set. It is never
// retried (a retry could create a duplicate) except once after a 401 and after a 429
// (neither was applied).
//
// Lever dedupes by email: when an email matches an existing contact the new
// opportunity is attached to that contact.
//
// Errors: apperr.Invalid with Field "postings" when more than one posting is
// given, "perform_as" when the client has none, "resume" when the file is
// over 30 MB (all before calling Lever); otherwise see the package
// documentation. On apperr.Transient the opportunity may have been created.
func (c *Client) CreateOpportunity(ctx context.Context, in OpportunityInput) (Opportunity, error) {
	if len(in.Postings) > 1 {
		return Opportunity{}, apperr.InvalidField("postings", "lever: an opportunity takes at most one posting, got %d", len(in.Postings))
	}
	q, err := c.performAsQuery(true)
	if err != nil {
		return Opportunity{}, err
	}
	r := request{method: http.MethodPost, path: "/opportunities", label: "POST /opportunities", query: q}
	if in.Resume != nil {
		if len(in.Resume.Data) > maxFileBytes {
			return Opportunity{}, apperr.InvalidField("resume", "lever: resume is larger than 30 MB")
		}
		r.body, r.contentType, err = in.multipart()
	} else {
		r.body, err = json.Marshal(in.jsonBody())
		r.contentType = "application/json"
	}
	if err != nil {
		return Opportunity{}, apperr.E(apperr.Internal, "lever: encoding opportunity failed")
	}
	var env envelope[Opportunity]
	if err := c.do(ctx, r, &env); err != nil {
		return Opportunity{}, unknownContact(err, in.Contact)
	}
	return env.Data, nil
}

// ReasonUnknownContact is the Reason of a CreateOpportunity error caused by
// its Contact: unknown, deleted or merged into another contact. Nothing was
// created; the caller may retry once without Contact (Lever then dedupes by
// email).
const ReasonUnknownContact = "unknown_contact"

// IsUnknownContact reports whether err is CreateOpportunity refusing its
// Contact (Reason ReasonUnknownContact).
func IsUnknownContact(err error) bool { return apperr.ReasonOf(err) == ReasonUnknownContact }

// unknownContact marks err with ReasonUnknownContact when a create naming a
// contact was refused because of it. Lever does not document the answer
// for an unknown or merged contact id (LEVER.md Turn 2 ⚠️); this accepts
// either likely one: 404 (any code, leverfake answers ResourceNotFound
// "contacts <id> was not found" like the stage example in #responses-and-errors)
// or 400 whose message names the contact.
func unknownContact(err error, contact string) error {
	e := apperr.As(err)
	if contact == "" || e == nil {
		return err
	}
	msg := strings.ToLower(e.Message)
	if e.Code == apperr.NotFound || (e.Code == apperr.Invalid && strings.Contains(msg, "contact")) {
		e.Reason = ReasonUnknownContact
	}
	return err
}

type opportunityJSON struct {
	Name      string    `json:"name,omitempty"`
	Headline  string    `json:"headline,omitempty"`
	Location  string    `json:"location,omitempty"`
	Phones    []Phone   `json:"phones,omitempty"`
	Emails    []string  `json:"emails,omitempty"`
	Links     []string  `json:"links,omitempty"`
	Tags      []string  `json:"tags,omitempty"`
	Sources   []string  `json:"sources,omitempty"`
	Origin    string    `json:"origin,omitempty"`
	Owner     string    `json:"owner,omitempty"`
	Followers []string  `json:"followers,omitempty"`
	Postings  []string  `json:"postings,omitempty"`
	Stage     string    `json:"stage,omitempty"`
	Contact   string    `json:"contact,omitempty"`
	CreatedAt Timestamp `json:"createdAt,omitempty"`
}

func (in OpportunityInput) jsonBody() opportunityJSON {
	return opportunityJSON{
		Name: in.Name, Headline: in.Headline, Location: in.Location,
		Phones: in.Phones, Emails: in.Emails, Links: in.Links, Tags: in.Tags,
		Sources: in.Sources, Origin: in.Origin, Owner: in.Owner,
		Followers: in.Followers, Postings: in.Postings, Stage: in.Stage,
		Contact: in.Contact, CreatedAt: TimestampOf(in.CreatedAt),
	}
}

// multipart encodes in as Lever's multipart form: arrays repeat "name[]",
// phones use "phones[i][type]"/"phones[i][value]", the file is resumeFile.
func (in OpportunityInput) multipart() ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	field := func(k, v string) {
		if v != "" {
			_ = w.WriteField(k, v)
		}
	}
	list := func(k string, vs []string) {
		for _, v := range vs {
			_ = w.WriteField(k+"[]", v)
		}
	}
	field("name", in.Name)
	field("headline", in.Headline)
	field("location", in.Location)
	for i, p := range in.Phones {
		field(fmt.Sprintf("phones[%d][type]", i), p.Type)
		field(fmt.Sprintf("phones[%d][value]", i), p.Value)
	}
	list("emails", in.Emails)
	list("links", in.Links)
	list("tags", in.Tags)
	list("sources", in.Sources)
	field("origin", in.Origin)
	field("owner", in.Owner)
	list("followers", in.Followers)
	list("postings", in.Postings)
	field("stage", in.Stage)
	field("contact", in.Contact)
	if ts := TimestampOf(in.CreatedAt); ts != 0 {
		field("createdAt", strconv.FormatInt(int64(ts), 10))
	}
	if err := writeFile(w, "resumeFile", in.Resume.FileName, in.Resume.ContentType, in.Resume.Data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

// writeFile adds a file part with an explicit content type.
func writeFile(w *multipart.Writer, field, name, contentType string, data []byte) error {
	if name == "" {
		name = "file"
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(field), quoteEscaper.Replace(name)))
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = part.Write(data)
	return err
}

// ArchivedFilter selects opportunities by archive state
// (#list-all-opportunities "archived").
type ArchivedFilter int

const (
	// AnyArchiveState sends no archived parameter: Lever returns archived
	// and active opportunities.
	AnyArchiveState ArchivedFilter = iota
	// OnlyActive sends archived=false.
	OnlyActive
	// OnlyArchived sends archived=true.
	OnlyArchived
)

// OppFilter filters ListOpportunities; empty fields are not sent, and set
// fields combine with AND. Within Email+Emails, Lever returns the union
// (repeated email parameters, #list-all-opportunities).
type OppFilter struct {
	Email string // contacts containing this canonicalized email
	// Emails adds more emails: opportunities of contacts holding any of
	// Email and Emails are returned.
	Emails []string
	// PostingID matches opportunities with a live application to the
	// posting; ArchivedPostingID those whose application to it was
	// archived.
	PostingID         string
	ArchivedPostingID string
	ContactID         string
	// Archived is AnyArchiveState (Lever's default: both), OnlyActive or
	// OnlyArchived. A lookup before a create should ask OnlyActive.
	Archived ArchivedFilter
	// Confidentiality is "" for Lever's default (non-confidential only) or
	// "all". Opportunities on confidential postings are invisible to a
	// lookup without "all" (which needs the confidential:access:admin
	// scope), so a dedupe check on such a posting must ask for "all".
	Confidentiality string
	// UpdatedAtStart keeps opportunities updated at or after it ("from
	// that timestamp (inclusive) to the present", #list-all-opportunities
	// updated_at_start); zero sends nothing.
	UpdatedAtStart time.Time
}

func (f OppFilter) query() url.Values {
	q := url.Values{}
	for _, e := range append([]string{f.Email}, f.Emails...) {
		e = strings.ToLower(strings.TrimSpace(e))
		if e != "" && !slices.Contains(q["email"], e) {
			q.Add("email", e)
		}
	}
	if f.PostingID != "" {
		q.Set("posting_id", f.PostingID)
	}
	if f.ArchivedPostingID != "" {
		q.Set("archived_posting_id", f.ArchivedPostingID)
	}
	switch f.Archived {
	case OnlyActive:
		q.Set("archived", "false")
	case OnlyArchived:
		q.Set("archived", "true")
	}
	if f.ContactID != "" {
		q.Set("contact_id", f.ContactID)
	}
	if f.Confidentiality != "" {
		q.Set("confidentiality", f.Confidentiality)
	}
	if !f.UpdatedAtStart.IsZero() {
		q.Set("updated_at_start", strconv.FormatInt(f.UpdatedAtStart.UnixMilli(), 10))
	}
	return q
}

// DeletedOpportunity is one entry of GET /opportunities/deleted: the
// opportunity's id with deletedAt and deletedBy (the docs list both as
// attributes that "only appear for deleted Opportunities").
type DeletedOpportunity struct {
	ID        string    `json:"id"`
	DeletedAt Timestamp `json:"deletedAt"`
	DeletedBy string    `json:"deletedBy"`
}

// ListDeletedOpportunities returns the opportunities deleted at or after
// since ("List deleted opportunities", GET
// /opportunities/deleted?deleted_at_start=, inclusive), following
// pagination. Errors: see the package documentation.
func (c *Client) ListDeletedOpportunities(ctx context.Context, since time.Time) ([]DeletedOpportunity, error) {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("deleted_at_start", strconv.FormatInt(since.UnixMilli(), 10))
	}
	return listAll[DeletedOpportunity](ctx, c, "/opportunities/deleted", "GET /opportunities/deleted", q)
}

// ListOpportunities returns every opportunity matching f, following
// pagination (GET /opportunities). It is how a retry finds out whether a
// create that failed as Transient was applied. Errors: see the package
// documentation.
func (c *Client) ListOpportunities(ctx context.Context, f OppFilter) ([]Opportunity, error) {
	return listAll[Opportunity](ctx, c, "/opportunities", "GET /opportunities", f.query())
}

// GetOpportunity returns one opportunity (GET /opportunities/:id).
// Errors: apperr.NotFound when it does not exist; see the package
// documentation.
func (c *Client) GetOpportunity(ctx context.Context, id string) (Opportunity, error) {
	if err := requireID("opportunityId", id); err != nil {
		return Opportunity{}, err
	}
	var env envelope[Opportunity]
	err := c.do(ctx, request{method: http.MethodGet, path: "/opportunities/" + pathID(id), label: "GET /opportunities/:id", idempotent: true}, &env)
	return env.Data, err
}

// ChangeStage moves an opportunity to stageID
// (PUT /opportunities/:id/stage, perform_as when configured). It is
// idempotent and retried like a GET. Errors: apperr.NotFound for an unknown
// opportunity or stage (Lever's example error is ResourceNotFound for a
// stage, #responses-and-errors); see the package documentation.
func (c *Client) ChangeStage(ctx context.Context, opportunityID, stageID string) error {
	if err := requireID("opportunityId", opportunityID); err != nil {
		return err
	}
	if err := requireID("stage", stageID); err != nil {
		return err
	}
	q, _ := c.performAsQuery(false)
	body, _ := json.Marshal(map[string]string{"stage": stageID})
	return c.do(ctx, request{
		method: http.MethodPut, path: "/opportunities/" + pathID(opportunityID) + "/stage",
		label: "PUT /opportunities/:id/stage", query: q, body: body,
		contentType: "application/json", idempotent: true,
	}, nil)
}
