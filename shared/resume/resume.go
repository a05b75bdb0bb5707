// Package resume downloads candidates' resumes for the exporter: from the
// configured hosts only, over HTTPS, bounded in size and time.
package resume

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
)

// Fetcher downloads resumes from configured hosts only, over HTTPS,
// with a size limit and a time limit, never following a redirect to another
// host. It implements export.ResumeFetcher.
//
// Every connection goes to a public address only (checked after DNS
// resolution, per connection); AllowLoopback lets tests reach their
// 127.0.0.1 servers and is set only from Go code (app.Options), never from
// the configuration.
type Fetcher struct {
	Hosts         []string
	Client        *http.Client
	MaxSize       int64         // default event.MaxResumeBytes
	Timeout       time.Duration // default 10s
	AllowLoopback bool          // tests only: allow 127.0.0.0/8 and ::1
}

// Fetch downloads raw. Errors: apperr Invalid for a URL CheckURL refuses, a
// host resolving to a non-public address, or a file that is too large; NotFound for 404/410; Transient otherwise.
func (f *Fetcher) Fetch(ctx context.Context, raw string) ([]byte, string, error) {
	if err := CheckURL("candidate.resume.url", f.Hosts, raw); err != nil {
		return nil, "", err
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc, err := guardedClient(f.Client, timeout, f.AllowLoopback)
	if err != nil {
		return nil, "", err
	}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if CheckURL("candidate.resume.url", f.Hosts, req.URL.String()) != nil || len(via) > 3 {
			return errors.New("redirect to a host that is not allowed")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, "", apperr.InvalidField("candidate.resume.url", "is not a valid URL")
	}
	resp, err := hc.Do(req)
	if errors.Is(err, errBlockedAddress) {
		return nil, "", apperr.InvalidField("candidate.resume.url", "host resolves to a private, loopback or link-local address")
	}
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
