// Package resume downloads candidates' resumes for the exporter: from the
// configured hosts only, over HTTPS, bounded in size and time.
package resume

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
)

// Fetcher downloads resumes from configured hosts only, over HTTPS,
// with a size limit and a time limit, never following a redirect to another
// host. It implements export.ResumeFetcher.
type Fetcher struct {
	Hosts   []string
	Client  *http.Client
	MaxSize int64         // default event.MaxResumeBytes
	Timeout time.Duration // default 10s
}

// Fetch downloads u. Errors: apperr Invalid for a host that is not allowed
// or a file that is too large; NotFound for 404/410; Transient otherwise.
func (f *Fetcher) Fetch(ctx context.Context, raw string) ([]byte, string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !f.allowed(u.Hostname()) {
		return nil, "", apperr.InvalidField("candidate.resume.url", "host is not an allowed resume host")
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := http.Client{Timeout: timeout}
	if f.Client != nil {
		hc = *f.Client
	}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" || !f.allowed(req.URL.Hostname()) || len(via) > 3 {
			return errors.New("redirect to a host that is not allowed")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", apperr.InvalidField("candidate.resume.url", "is not a valid URL")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", apperr.Wrap(apperr.Transient, errors.New("request failed"), "download resume")
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, "", apperr.E(apperr.NotFound, "resume not found (%d)", resp.StatusCode)
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return nil, "", apperr.E(apperr.Invalid, "resume download refused (%d)", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, "", apperr.E(apperr.Transient, "resume download failed (%d)", resp.StatusCode)
	}
	max := f.MaxSize
	if max <= 0 {
		max = event.MaxResumeBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", apperr.E(apperr.Transient, "resume download interrupted")
	}
	if int64(len(data)) > max {
		return nil, "", apperr.InvalidField("candidate.resume.url", "file is larger than %d bytes", max)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

func (f *Fetcher) allowed(host string) bool {
	host = strings.ToLower(host)
	for _, h := range f.Hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}
