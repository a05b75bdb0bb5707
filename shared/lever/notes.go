package lever

import (
	"context"
	"net/http"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Note is a note on an opportunity. Lever keeps the body in Fields (and,
// for simple notes, Text); Body returns whichever is set.
type Note struct {
	ID        string      `json:"id"`
	Text      string      `json:"text"`
	Fields    []NoteField `json:"fields"`
	User      string      `json:"user"`
	Secret    bool        `json:"secret"`
	CreatedAt Timestamp   `json:"createdAt"`
}

// NoteField is one field of a note.
type NoteField struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Value any    `json:"value"`
}

// Body returns the note's text: the first string field value, else Text.
func (n Note) Body() string {
	for _, f := range n.Fields {
		if s, ok := f.Value.(string); ok && s != "" {
			return s
		}
	}
	return n.Text
}

// NoteInput is the body of CreateNote.
type NoteInput struct {
	Value     string    // required; @username mentions notify
	Secret    bool      // visible to sensitive-information users only
	CreatedAt time.Time // past only; zero for now
}

// CreateNote adds a note to an opportunity
// (POST /opportunities/:id/notes, perform_as when configured) and returns
// the note id. It is not retried (a retry could duplicate the note) except
// once after a 401 and after a 429 (neither was applied).
//
// Errors: apperr.Invalid with Field "value" when Value is empty;
// apperr.NotFound for an unknown opportunity; see the package documentation.
// On apperr.Transient the note may have been created.
func (c *Client) CreateNote(ctx context.Context, opportunityID string, in NoteInput) (string, error) {
	if err := requireID("opportunityId", opportunityID); err != nil {
		return "", err
	}
	if in.Value == "" {
		return "", apperr.InvalidField("value", "lever: a note needs a value")
	}
	q, _ := c.performAsQuery(false)
	body, err := marshalBody(struct {
		Value     string    `json:"value"`
		Secret    bool      `json:"secret,omitempty"`
		CreatedAt Timestamp `json:"createdAt,omitempty"`
	}{in.Value, in.Secret, TimestampOf(in.CreatedAt)})
	if err != nil {
		return "", apperr.E(apperr.Internal, "lever: encoding note failed")
	}
	var env envelope[struct {
		NoteID string `json:"noteId"`
	}]
	err = c.do(ctx, request{
		method: http.MethodPost, path: "/opportunities/" + pathID(opportunityID) + "/notes",
		label: "POST /opportunities/:id/notes", query: q, body: body, contentType: "application/json",
	}, &env)
	return env.Data.NoteID, err
}

// ListNotes returns every note of an opportunity, following pagination
// (GET /opportunities/:id/notes). Errors: see the package documentation.
func (c *Client) ListNotes(ctx context.Context, opportunityID string) ([]Note, error) {
	if err := requireID("opportunityId", opportunityID); err != nil {
		return nil, err
	}
	return listAll[Note](ctx, c, "/opportunities/"+pathID(opportunityID)+"/notes", "GET /opportunities/:id/notes", nil)
}
