package httpapi

import (
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/resume"
)

// checkResume refuses, where a snapshot enters, a resume URL this
// deployment would not download (resume.CheckURL against
// RESUME_ALLOWED_HOSTS), so it is never silently dropped later. prefix names
// the snapshot ("data.candidate", "candidate"). Errors: apperr Invalid
// naming <prefix>.resume.url.
func checkResume(prefix string, hosts []string, c *event.Candidate) error {
	if c == nil || c.Resume == nil || c.Resume.URL == "" {
		return nil
	}
	return resume.CheckURL(prefix+".resume.url", hosts, c.Resume.URL)
}
