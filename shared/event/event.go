package event

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/jsondecode"
)

// Type is an event type.
type Type string

// Event types (DESIGN §2).
const (
	ContactAccepted   Type = "candidate.contact_accepted"
	ContactInfoFound  Type = "candidate.contact_info_found"
	FirstMessageSent  Type = "candidate.first_message_sent"
	Replied           Type = "candidate.replied"
	RepliedInterested Type = "candidate.replied_interested"
	Applied           Type = "candidate.applied"
	PositionChanged   Type = "candidate.position_changed"
	MessageCreated    Type = "message.created"
	NoteCreated       Type = "note.created"
)

// Types lists every known event type.
var Types = []Type{ContactAccepted, ContactInfoFound, FirstMessageSent, Replied, RepliedInterested, Applied, PositionChanged, MessageCreated, NoteCreated}

// Known reports whether t is a known type.
func (t Type) Known() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// IsCandidate reports whether t carries a candidate snapshot.
func (t Type) IsCandidate() bool { return strings.HasPrefix(string(t), "candidate.") }

// Event is one webhook event. Data is kept raw until the type is known.
type Event struct {
	ID         string          `json:"id" maxLength:"128"`
	Type       Type            `json:"type" maxLength:"64"`
	OccurredAt time.Time       `json:"occurredAt"`
	CompanyID  string          `json:"companyId" maxLength:"128"`
	Data       json.RawMessage `json:"data"`

	Candidate *CandidateData `json:"-"`
	Message   *MessageData   `json:"-"`
	Note      *NoteData      `json:"-"`
}

// CandidateData is the data of candidate.* events.
type CandidateData struct {
	Candidate  Candidate `json:"candidate"`
	PositionID string    `json:"positionId,omitempty" maxLength:"128"`
	// PostingID is the Lever posting a candidate.applied applied to (a
	// posting the vendor published from GET /postings or a posting.*
	// event): no link is needed. Only candidate.applied carries it.
	PostingID string `json:"postingId,omitempty" maxLength:"128"`
}

// MessageData is the data of message.created.
type MessageData struct {
	CandidateID string  `json:"candidateId" maxLength:"128"`
	PositionID  string  `json:"positionId,omitempty" maxLength:"128"`
	Message     Message `json:"message"`
}

// NoteData is the data of note.created.
type NoteData struct {
	CandidateID string `json:"candidateId" maxLength:"128"`
	PositionID  string `json:"positionId,omitempty" maxLength:"128"`
	Note        Note   `json:"note"`
}

// Candidate is the candidate snapshot: the union of the seeds' exported
// fields. Only id is required.
type Candidate struct {
	ID             string    `json:"id" maxLength:"128"`
	FirstName      string    `json:"firstName,omitempty" maxLength:"200"`
	LastName       string    `json:"lastName,omitempty" maxLength:"200"`
	Emails         []string  `json:"emails,omitempty" maxLength:"320"`
	Phones         []string  `json:"phones,omitempty" maxLength:"40"`
	Headline       string    `json:"headline,omitempty" maxLength:"1000"`
	Location       *Location `json:"location,omitempty"`
	CurrentCompany string    `json:"currentCompany,omitempty" maxLength:"200"`
	CurrentTitle   string    `json:"currentTitle,omitempty" maxLength:"200"`
	ProfileURL     string    `json:"profileUrl,omitempty" maxLength:"2048"`
	LinkedInURL    string    `json:"linkedinUrl,omitempty" maxLength:"2048"`
	Links          []string  `json:"links,omitempty" maxLength:"2048"`
	Tags           []string  `json:"tags,omitempty" maxLength:"100"`
	SourcedBy      *Person   `json:"sourcedBy,omitempty"`
	Consent        *Consent  `json:"consent,omitempty"`
	Resume         *Resume   `json:"resume,omitempty"`
	Messages       []Message `json:"messages,omitempty"`
	Notes          []Note    `json:"notes,omitempty"`
}

// Location is where the candidate lives.
type Location struct {
	City    string `json:"city,omitempty" maxLength:"200"`
	Region  string `json:"region,omitempty" maxLength:"200"`
	Country string `json:"country,omitempty" maxLength:"200"`
}

// String formats the location as "City, Region, Country".
func (l *Location) String() string {
	if l == nil {
		return ""
	}
	var parts []string
	for _, p := range []string{l.City, l.Region, l.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Person is a team member of the vendor's customer.
type Person struct {
	Email string `json:"email,omitempty" maxLength:"320"`
	Name  string `json:"name,omitempty" maxLength:"200"`
}

// Consent is the candidate's consent to share their data with the company.
type Consent struct {
	Granted bool       `json:"granted" strict:"required"`
	At      *time.Time `json:"at,omitempty"`
}

// Resume is either a URL to download (from configured hosts) or inline base64.
type Resume struct {
	URL           string `json:"url,omitempty" maxLength:"2048"`
	ContentBase64 string `json:"contentBase64,omitempty" maxLength:"4194304"`
	FileName      string `json:"fileName,omitempty" maxLength:"255"`
	ContentType   string `json:"contentType,omitempty" maxLength:"255"`
}

// Message is one message between the company and the candidate.
type Message struct {
	ID        string    `json:"id" maxLength:"128"`
	Direction string    `json:"direction" maxLength:"16"` // inbound | outbound
	Author    string    `json:"author,omitempty" maxLength:"200"`
	SentAt    time.Time `json:"sentAt"`
	Body      string    `json:"body" maxLength:"100000"`
}

// Note is one team note on the candidate.
type Note struct {
	ID        string    `json:"id" maxLength:"128"`
	Author    string    `json:"author,omitempty" maxLength:"200"`
	CreatedAt time.Time `json:"createdAt"`
	Body      string    `json:"body" maxLength:"100000"`
}

// MaxActivities bounds the messages and notes of one snapshot, together:
// the history note's marker records the id of each (export.Store), and
// the largest accepted list (MaxActivities ids of MaxIDLength characters,
// up to 4 bytes each, with their "message:" prefix: about 260 KB) must fit
// one DynamoDB item (400 KB) with margin.
const MaxActivities = 500

// MaxResumeBytes bounds a resume downloaded from its URL.
const MaxResumeBytes = 10 << 20

// MaxInlineResumeBytes bounds an inline resume (decoded): its base64 (4
// MiB) must fit a request body (httpapi.MaxBody, 5 MiB) with the rest of
// the snapshot.
const MaxInlineResumeBytes = 3 << 20

// Parse decodes and validates a raw event body. Errors are apperr Invalid
// naming the offending field ("data.candidate.emails[1]"); an unknown type
// lists the known ones. Unknown JSON fields are rejected so typos surface.
func Parse(body []byte) (Event, error) {
	var e Event
	if err := jsondecode.Strict("", body, &e); err != nil {
		return Event{}, err
	}
	if err := checkID("id", e.ID); err != nil {
		return Event{}, err
	}
	if e.Type == "" {
		return Event{}, apperr.InvalidField("type", "is required")
	}
	if !e.Type.Known() {
		names := make([]string, len(Types))
		for i, t := range Types {
			names[i] = string(t)
		}
		sort.Strings(names)
		return Event{}, apperr.InvalidField("type", "unknown event type %q; known types: %s", e.Type, strings.Join(names, ", "))
	}
	if e.OccurredAt.IsZero() {
		return Event{}, apperr.InvalidField("occurredAt", "is required (RFC 3339)")
	}
	if err := checkID("companyId", e.CompanyID); err != nil {
		return Event{}, err
	}
	if len(e.Data) == 0 || string(e.Data) == "null" {
		return Event{}, apperr.InvalidField("data", "is required")
	}
	switch {
	case e.Type.IsCandidate():
		var raw struct {
			Candidate  json.RawMessage `json:"candidate"`
			PositionID string          `json:"positionId,omitempty" maxLength:"128"`
			PostingID  string          `json:"postingId,omitempty" maxLength:"128"`
		}
		if err := jsondecode.Strict("data", e.Data, &raw); err != nil {
			return Event{}, err
		}
		if len(raw.Candidate) == 0 || string(raw.Candidate) == "null" {
			return Event{}, apperr.InvalidField("data.candidate", "is required")
		}
		d := CandidateData{PositionID: raw.PositionID, PostingID: raw.PostingID}
		if err := jsondecode.Strict("data.candidate", raw.Candidate, &d.Candidate); err != nil {
			return Event{}, err
		}
		if err := d.Candidate.Validate("data.candidate"); err != nil {
			return Event{}, err
		}
		if d.PositionID != "" {
			if err := checkID("data.positionId", d.PositionID); err != nil {
				return Event{}, err
			}
		}
		if d.PostingID != "" {
			if e.Type != Applied {
				return Event{}, apperr.InvalidField("data.postingId", "only %s carries a postingId", Applied)
			}
			if err := checkID("data.postingId", d.PostingID); err != nil {
				return Event{}, err
			}
		}
		e.Candidate = &d
	case e.Type == MessageCreated:
		var d MessageData
		if err := jsondecode.Strict("data", e.Data, &d); err != nil {
			return Event{}, err
		}
		if err := checkID("data.candidateId", d.CandidateID); err != nil {
			return Event{}, err
		}
		if err := d.Message.Validate("data.message"); err != nil {
			return Event{}, err
		}
		e.Message = &d
	case e.Type == NoteCreated:
		var d NoteData
		if err := jsondecode.Strict("data", e.Data, &d); err != nil {
			return Event{}, err
		}
		if err := checkID("data.candidateId", d.CandidateID); err != nil {
			return Event{}, err
		}
		if err := d.Note.Validate("data.note"); err != nil {
			return Event{}, err
		}
		e.Note = &d
	}
	return e, nil
}

// CandidateID returns the candidate the event is about.
func (e Event) CandidateID() string {
	switch {
	case e.Candidate != nil:
		return e.Candidate.Candidate.ID
	case e.Message != nil:
		return e.Message.CandidateID
	case e.Note != nil:
		return e.Note.CandidateID
	}
	return ""
}

// IDPattern is the documented id rule (OpenAPI schema ID, docs/events.md)
// as a regular expression: 1 to 128 characters, none of them a space of any
// kind (Unicode Z, \s), a control or format character (Cc, Cf: tab, U+2028's
// kin, bidi overrides, zero-width), '#', '/', '?' or U+FFFD (what invalid
// UTF-8 becomes). checkID applies it; a test compares it with OpenAPI's.
const IDPattern = `^[^\s#/?\p{Cc}\p{Cf}\p{Z}\x{FFFD}]{1,128}$`

// MaxIDLength bounds an id, in characters.
const MaxIDLength = 128

// checkID validates an identifier: the one id rule (IDPattern) for every id
// that enters, from a path, a query, a body or an event (ids become parts of
// storage keys and URL paths). Invalid UTF-8 is refused, never replaced.
func checkID(field, id string) error {
	if id == "" {
		return apperr.InvalidField(field, "is required")
	}
	if !utf8.ValidString(id) {
		return apperr.InvalidField(field, "is not valid UTF-8")
	}
	if utf8.RuneCountInString(id) > MaxIDLength {
		return apperr.InvalidField(field, "must be at most %d characters", MaxIDLength)
	}
	for _, r := range id {
		if !idRune(r) {
			return apperr.InvalidField(field, "must not contain spaces, control or format characters, '#', '/' or '?' (found %U)", r)
		}
	}
	return nil
}

// idRune reports whether r may appear in an id.
func idRune(r rune) bool {
	switch {
	case r == '#' || r == '/' || r == '?' || r == utf8.RuneError:
		return false
	case unicode.IsSpace(r), unicode.In(r, unicode.Cc, unicode.Cf, unicode.Z):
		return false
	}
	return true
}

// CheckID validates an identifier from a URL path, a query or a body (see
// checkID). Errors: apperr Invalid naming field.
func CheckID(field, id string) error { return checkID(field, id) }

// Validate checks the snapshot; errors name the field under prefix.
func (c Candidate) Validate(prefix string) error {
	if err := checkID(prefix+".id", c.ID); err != nil {
		return err
	}
	for i, e := range c.Emails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			return apperr.InvalidField(fmt.Sprintf("%s.emails[%d]", prefix, i), "is not an email address")
		}
	}
	for i, p := range c.Phones {
		if strings.TrimSpace(p) == "" || len(p) > 40 {
			return apperr.InvalidField(fmt.Sprintf("%s.phones[%d]", prefix, i), "must be a phone number of at most 40 characters")
		}
	}
	for field, u := range map[string]string{"profileUrl": c.ProfileURL, "linkedinUrl": c.LinkedInURL} {
		if u != "" && !httpURL(u) {
			return apperr.InvalidField(prefix+"."+field, "must be an absolute http(s) URL")
		}
	}
	if c.LinkedInURL != "" && NormalizeLinkedIn(c.LinkedInURL) == "" {
		return apperr.InvalidField(prefix+".linkedinUrl", "must be a linkedin.com profile URL")
	}
	for i, u := range c.Links {
		if !httpURL(u) {
			return apperr.InvalidField(fmt.Sprintf("%s.links[%d]", prefix, i), "must be an absolute http(s) URL")
		}
	}
	for i, t := range c.Tags {
		if strings.TrimSpace(t) == "" || len(t) > 100 {
			return apperr.InvalidField(fmt.Sprintf("%s.tags[%d]", prefix, i), "must be 1 to 100 characters")
		}
	}
	if c.SourcedBy != nil && c.SourcedBy.Email != "" {
		if a, err := mail.ParseAddress(c.SourcedBy.Email); err != nil || a.Address != c.SourcedBy.Email {
			return apperr.InvalidField(prefix+".sourcedBy.email", "is not an email address")
		}
	}
	if r := c.Resume; r != nil {
		switch {
		case r.URL != "" && r.ContentBase64 != "":
			return apperr.InvalidField(prefix+".resume", "give either url or contentBase64, not both")
		case r.URL != "":
			if u, err := url.Parse(r.URL); err != nil || u.Scheme != "https" || u.Host == "" {
				return apperr.InvalidField(prefix+".resume.url", "must be an absolute https URL")
			}
		case r.ContentBase64 != "":
			if base64.StdEncoding.DecodedLen(len(r.ContentBase64)) > MaxInlineResumeBytes+3 {
				return apperr.InvalidField(prefix+".resume.contentBase64", "is larger than %d bytes decoded", MaxInlineResumeBytes)
			}
			if _, err := base64.StdEncoding.DecodeString(r.ContentBase64); err != nil {
				return apperr.InvalidField(prefix+".resume.contentBase64", "is not valid base64")
			}
		default:
			return apperr.InvalidField(prefix+".resume", "needs url or contentBase64")
		}
		if r.FileName == "" {
			return apperr.InvalidField(prefix+".resume.fileName", "is required")
		}
	}
	if n := len(c.Messages) + len(c.Notes); n > MaxActivities {
		return apperr.InvalidField(prefix+".messages", "messages and notes hold %d items together; at most %d are accepted", n, MaxActivities)
	}
	for i, m := range c.Messages {
		if err := m.Validate(fmt.Sprintf("%s.messages[%d]", prefix, i)); err != nil {
			return err
		}
	}
	for i, n := range c.Notes {
		if err := n.Validate(fmt.Sprintf("%s.notes[%d]", prefix, i)); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a message; errors name the field under prefix.
func (m Message) Validate(prefix string) error {
	if err := checkID(prefix+".id", m.ID); err != nil {
		return err
	}
	if m.Direction != "inbound" && m.Direction != "outbound" {
		return apperr.InvalidField(prefix+".direction", "must be inbound or outbound")
	}
	if m.SentAt.IsZero() {
		return apperr.InvalidField(prefix+".sentAt", "is required (RFC 3339)")
	}
	if strings.TrimSpace(m.Body) == "" {
		return apperr.InvalidField(prefix+".body", "is required")
	}
	return nil
}

// Validate checks a note; errors name the field under prefix.
func (n Note) Validate(prefix string) error {
	if err := checkID(prefix+".id", n.ID); err != nil {
		return err
	}
	if n.CreatedAt.IsZero() {
		return apperr.InvalidField(prefix+".createdAt", "is required (RFC 3339)")
	}
	if strings.TrimSpace(n.Body) == "" {
		return apperr.InvalidField(prefix+".body", "is required")
	}
	return nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// NormalizeLinkedIn returns the canonical form of a LinkedIn profile URL
// ("linkedin.com/in/<slug>", lower case, no query or trailing slash), or ""
// when s is not one.
func NormalizeLinkedIn(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Host)
	if host != "linkedin.com" && !strings.HasSuffix(host, ".linkedin.com") {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || (parts[0] != "in" && parts[0] != "pub") || parts[1] == "" {
		return ""
	}
	slug, err := url.PathUnescape(parts[1])
	if err != nil {
		return ""
	}
	return "linkedin.com/in/" + strings.ToLower(slug)
}
