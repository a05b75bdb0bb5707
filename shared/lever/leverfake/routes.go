package leverfake

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// handler is a /v1 handler for an authenticated account.
type handler func(w http.ResponseWriter, r *http.Request, a *account)

func (f *Fake) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /authorize", f.authorize)
	m.HandleFunc("POST /oauth/token", f.token)
	for _, rt := range []struct {
		pattern string
		h       handler
	}{
		{"GET /v1/users", f.listUsers},
		{"GET /v1/users/{id}", f.getUser},
		{"GET /v1/postings", f.listPostings},
		{"GET /v1/postings/{id}", f.getPosting},
		{"POST /v1/postings", f.createPosting},
		{"POST /v1/postings/{id}", f.updatePosting},
		{"GET /v1/stages", f.listStages},
		{"POST /v1/opportunities", f.createOpportunity},
		{"GET /v1/opportunities", f.listOpportunities},
		{"GET /v1/opportunities/{id}", f.getOpportunity},
		{"GET /v1/opportunities/deleted", f.listDeleted},
		{"POST /v1/opportunities/{id}/notes", f.createNote},
		{"GET /v1/opportunities/{id}/notes", f.listNotes},
		{"POST /v1/opportunities/{id}/files", f.uploadFile},
		{"GET /v1/opportunities/{id}/files", f.listFiles},
		{"PUT /v1/opportunities/{id}/stage", f.changeStage},
		{"PUT /v1/opportunities/{id}/archived", f.setArchived},
		{"GET /v1/opportunities/{id}/resumes", f.listResumes},
		{"GET /v1/archive_reasons", f.listArchiveReasons},
		{"GET /v1/archive_reasons/{id}", f.getArchiveReason},
		{"GET /v1/webhooks", f.listWebhooks},
		{"POST /v1/webhooks", f.createWebhook},
		{"DELETE /v1/webhooks/{id}", f.deleteWebhook},
	} {
		m.Handle(rt.pattern, f.v1(label(rt.pattern), rt.h))
	}
	m.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "no such endpoint")
	})
	f.mux = m
}

// label turns "GET /v1/opportunities/{id}/notes" into
// "GET /opportunities/:id/notes", the client's endpoint label.
func label(pattern string) string {
	s := strings.Replace(pattern, " /v1/", " /", 1)
	return strings.NewReplacer("{id}", ":id").Replace(s)
}

// v1 wraps a Lever API handler with bearer auth, counting, the account's
// token bucket and fault injection, in that order.
func (f *Fake) v1(label string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		a := f.bearer(r)
		if f.redirectHome(w, r, a) {
			f.mu.Unlock()
			return
		}
		f.count(a, label)
		if a == nil {
			f.mu.Unlock()
			writeError(w, http.StatusUnauthorized, "UnauthorizedError", "Invalid or expired access token")
			return
		}
		if !f.rateOff {
			if ok, wait := a.bucket.take(f.now(), f.rate, f.burst); !ok {
				f.counters["429"]++
				a.counters["429"]++
				f.mu.Unlock()
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Rate limit exceeded")
				return
			}
		}
		fl, faulty := f.pickFaultLocked(label)
		f.mu.Unlock()

		if !faulty {
			h(w, r, a)
			return
		}
		if !f.preFault(w, r, fl) {
			return
		}
		h(newBufferedResponse(), r, a) // applied; the answer is lost
		f.postFault(w, fl)
	})
}
