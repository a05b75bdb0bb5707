package hardening

import (
	"fmt"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/config"
)

// TestResumeURLCheckedAtIntake: a resume URL the deployment would not
// download is refused where it enters (webhook and Export button), naming
// the field, instead of being dropped later with only a log line. (A
// download that fails later is visible in the export status:
// tests/export TestResumeURLAndOwner.)
func TestResumeURLCheckedAtIntake(t *testing.T) {
	t.Parallel()
	resume := func(u string) string {
		return fmt.Sprintf(`{"id":"c1","resume":{"url":%q,"fileName":"cv.pdf"}}`, u)
	}
	t.Run("no hosts configured", func(t *testing.T) {
		t.Parallel()
		e := apptest.New(t)
		a := webhook(t, e, candEvent(resume("https://files.example/cv.pdf")))
		if a.status != 400 || a.env.Error.Field != "data.candidate.resume.url" || !strings.Contains(a.env.Error.Message, "RESUME_ALLOWED_HOSTS") {
			t.Errorf("got %s, want 400 naming data.candidate.resume.url", a)
		}
	})
	t.Run("hosts configured", func(t *testing.T) {
		t.Parallel()
		e := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.ResumeAllowedHosts = []string{"files.example"} }))
		for _, tt := range []struct {
			url, field string
			status     int
		}{
			{"https://files.example/cv.pdf", "", 202},
			{"https://FILES.example/cv.pdf", "", 202},
			{"https://elsewhere.example/cv.pdf", "data.candidate.resume.url", 400},
			{"https://files.example.evil.example/cv.pdf", "data.candidate.resume.url", 400},
			{"https://user@files.example/cv.pdf", "data.candidate.resume.url", 400},
			{"http://files.example/cv.pdf", "data.candidate.resume.url", 400},
		} {
			if a := webhook(t, e, candEvent(resume(tt.url))); a.status != tt.status || a.env.Error.Field != tt.field {
				t.Errorf("event with %s: got %s, want %d %s", tt.url, a, tt.status, tt.field)
			}
		}
		body := fmt.Sprintf(`{"positionId":"pos-1","candidate":%s}`, resume("https://elsewhere.example/cv.pdf"))
		if a := api(t, e, "POST", "/v1/companies/"+company+"/candidates/c1/export", body); a.status != 400 || a.env.Error.Field != "candidate.resume.url" {
			t.Errorf("Export button: got %s, want 400 naming candidate.resume.url", a)
		}
	})
}
