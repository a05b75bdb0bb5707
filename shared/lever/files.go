package lever

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/leverlink/leverlink/shared/apperr"
)

// File is a file attached to an opportunity. Lever's documentation examples
// (#upload-a-single-file, #list-all-files) send uploadedAt and size as
// strings and ext with its dot (".pdf"), the resumes examples send numbers
// and "pdf": both decode.
type File struct {
	ID          string    `json:"id"`
	DownloadURL string    `json:"downloadUrl"`
	Ext         string    `json:"ext"` // as Lever sends it: ".pdf" or "pdf"
	Name        string    `json:"name"`
	UploadedAt  Timestamp `json:"uploadedAt"`
	Status      string    `json:"status"` // processing, processed, unsupported, error or ""
	Size        int64     `json:"size"`
}

// UnmarshalJSON decodes size given as a number or a numeric string.
func (f *File) UnmarshalJSON(b []byte) error {
	type plain File
	var raw struct {
		plain
		Size json.RawMessage `json:"size"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = File(raw.plain)
	if len(raw.Size) > 0 {
		n, err := flexInt(raw.Size)
		if err != nil {
			return fmt.Errorf("lever: file size: %w", err)
		}
		f.Size = n
	}
	return nil
}

// ResumeRecord is a resume of an opportunity as GET
// /opportunities/:id/resumes lists it (#list-all-resumes). A resumeFile sent
// with CreateOpportunity becomes one. ParsedData is kept raw.
type ResumeRecord struct {
	ID         string          `json:"id"`
	CreatedAt  Timestamp       `json:"createdAt"`
	File       *File           `json:"file"` // nil for resumes parsed from online profiles
	ParsedData json.RawMessage `json:"parsedData,omitempty"`
}

// ListResumes returns every resume of an opportunity, following pagination
// (GET /opportunities/:id/resumes, scope resumes:read:admin). Errors:
// apperr.NotFound for an unknown opportunity; see the package documentation.
func (c *Client) ListResumes(ctx context.Context, opportunityID string) ([]ResumeRecord, error) {
	if err := requireID("opportunityId", opportunityID); err != nil {
		return nil, err
	}
	return listAll[ResumeRecord](ctx, c, "/opportunities/"+pathID(opportunityID)+"/resumes", "GET /opportunities/:id/resumes", nil)
}

// ListFiles returns every file of an opportunity, following pagination
// (GET /opportunities/:id/files). Errors: apperr.NotFound for an unknown
// opportunity; see the package documentation.
func (c *Client) ListFiles(ctx context.Context, opportunityID string) ([]File, error) {
	if err := requireID("opportunityId", opportunityID); err != nil {
		return nil, err
	}
	return listAll[File](ctx, c, "/opportunities/"+pathID(opportunityID)+"/files", "GET /opportunities/:id/files", nil)
}

// UploadFile attaches a file to an opportunity
// (POST /opportunities/:id/files?perform_as=, multipart field "file"). The
// content is read fully (at most 30 MB) so the request can be replayed after
// a 401; it is not otherwise retried.
//
// Errors: apperr.Invalid with Field "perform_as" when the client has none,
// "file" when the content is over 30 MB or unreadable; apperr.NotFound for an
// unknown opportunity; see the package documentation.
func (c *Client) UploadFile(ctx context.Context, opportunityID, name, contentType string, r io.Reader) (File, error) {
	if err := requireID("opportunityId", opportunityID); err != nil {
		return File{}, err
	}
	q, err := c.performAsQuery(true)
	if err != nil {
		return File{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		e := apperr.Wrap(apperr.Invalid, err, "lever: reading the file failed")
		e.Field = "file"
		return File{}, e
	}
	if len(data) > maxFileBytes {
		return File{}, apperr.InvalidField("file", "lever: file is larger than 30 MB")
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := writeFile(w, "file", name, contentType, data); err != nil {
		return File{}, apperr.E(apperr.Internal, "lever: encoding file failed")
	}
	if err := w.Close(); err != nil {
		return File{}, apperr.E(apperr.Internal, "lever: encoding file failed")
	}
	var env envelope[File]
	err = c.do(ctx, request{
		method: http.MethodPost, path: "/opportunities/" + pathID(opportunityID) + "/files",
		label: "POST /opportunities/:id/files", query: q, body: buf.Bytes(), contentType: w.FormDataContentType(),
	}, &env)
	return env.Data, err
}
