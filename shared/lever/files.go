package lever

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/leverlink/leverlink/shared/apperr"
)

// File is a file attached to an opportunity.
type File struct {
	ID          string    `json:"id"`
	DownloadURL string    `json:"downloadUrl"`
	Ext         string    `json:"ext"`
	Name        string    `json:"name"`
	UploadedAt  Timestamp `json:"uploadedAt"`
	Status      string    `json:"status"` // processing, processed, unsupported, error or ""
	Size        int64     `json:"size"`
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
