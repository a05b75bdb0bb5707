package export

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestResumeURLAndOwner: a resume given by URL is downloaded from an allowed
// host only and sent as Lever's resumeFile (another host is refused at
// intake; a file that cannot be downloaded leaves the candidate exported
// with lastError saying the resume was not attached); sourcedBy becomes the owner when
// a Lever user has that email, else the perform-as user owns it.
func TestResumeURLAndOwner(t *testing.T) {
	pdf := []byte("%PDF-1.4 resume of the candidate")
	files := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cv.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write(pdf)
		case "/big.pdf":
			_, _ = w.Write(bytes.Repeat([]byte("x"), 11<<20))
		default:
			http.NotFound(w, r)
		}
	}))
	defer files.Close()
	host := mustHost(t, files.URL)
	f := setup(t, apptest.WithHTTPClient(files.Client()), apptest.WithConfig(func(c *config.Config) {
		c.ResumeAllowedHosts = []string{host}
	}))
	rita := f.acct.AddUser(leverfake.User{Name: "Rita", Email: "rita@acme.example", AccessRole: "team member"})
	f.link("pos-1", f.postings[0].ID, "")

	tests := []struct {
		name, candidate, resumeURL, sourcedBy string
		wantFile                              bool
		wantOwner                             string
	}{
		{"allowed host, known recruiter", "c-res-1", files.URL + "/cv.pdf", "rita@acme.example", true, rita.ID},
		{"too large: exported without resume", "c-res-3", files.URL + "/big.pdf", "", false, f.acct.AdminID()},
		{"missing file: exported without resume", "c-res-4", files.URL + "/gone.pdf", "unknown@acme.example", false, f.acct.AdminID()},
	}
	for _, tt := range tests {
		c := cand(tt.candidate, map[string]any{"resume": map[string]any{"url": tt.resumeURL, "fileName": "cv.pdf"}})
		if tt.sourcedBy != "" {
			c["sourcedBy"] = map[string]any{"email": tt.sourcedBy, "name": "Recruiter"}
		}
		f.send(candEvent("candidate.contact_accepted", "pos-1", c), 202, "queued")
	}
	bad := cand("c-res-2", map[string]any{"resume": map[string]any{"url": "https://elsewhere.example/cv.pdf", "fileName": "cv.pdf"}})
	if code, out := f.Send(candEvent("candidate.contact_accepted", "pos-1", bad)); code != 400 || !strings.Contains(fmt.Sprint(out), "data.candidate.resume.url") {
		t.Errorf("host not allowed: got %d %v, want 400 naming data.candidate.resume.url", code, out)
	}
	f.drain(false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opp := f.oneOpp(email(tt.candidate))
			gotFiles := f.acct.Files(opp.ID)
			if (len(gotFiles) == 1) != tt.wantFile {
				t.Errorf("files: got %d, want file %v", len(gotFiles), tt.wantFile)
			}
			if opp.Owner != tt.wantOwner {
				t.Errorf("owner: got %q, want %q", opp.Owner, tt.wantOwner)
			}
			st := f.status(tt.candidate)
			if st.State != "exported" {
				t.Errorf("state: got %q, want exported", st.State)
			}
			if dropped := strings.HasPrefix(st.LastError, "resume_not_attached"); dropped == tt.wantFile {
				t.Errorf("lastError %q: want the dropped resume reported: %v", st.LastError, !tt.wantFile)
			}
		})
	}
	f.noDuplicates()
}

func mustHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Hostname()
}
