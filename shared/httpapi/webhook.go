package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
)

// Acceptor takes a verified, parsed event (export.Intake).
type Acceptor interface {
	Accept(ctx context.Context, e event.Event) (export.Outcome, error)
}

// Webhook is the handler of POST /v1/events: signature, body limit, strict
// validation, then intake. It answers 202 with the outcome; a replay is 200
// with status duplicate. Safe for concurrent use.
type Webhook struct {
	Secrets KeySource // webhook HMAC secrets (several during rotation)
	Intake  Acceptor
	// ResumeHosts are the hosts resume URLs may name (RESUME_ALLOWED_HOSTS);
	// none: every resume URL is refused.
	ResumeHosts []string
	Log         *slog.Logger
	Now         func() time.Time
}

// ServeHTTP implements http.Handler.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	r = withRequestID(w, r)
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r, log, http.MethodPost)
		return
	}
	if err := h.serve(w, r); err != nil {
		WriteError(w, r, log, err)
	}
}

func (h *Webhook) serve(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.InvalidField("body", "is larger than %d bytes", MaxBody)
		}
		return apperr.Wrap(apperr.Invalid, err, "cannot read the body")
	}
	secrets, err := h.Secrets.Keys(r.Context())
	if err != nil {
		return apperr.Wrap(apperr.Transient, err, "webhook secrets unavailable")
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	// API Gateway (payload 2.0) splits header values at commas: join them
	// back, or the signature's v1 part would be lost.
	sig := strings.Join(r.Header.Values(event.SignatureHeader), ",")
	if err := event.Verify(sig, body, secrets, now); err != nil {
		return err
	}
	e, err := event.Parse(body)
	if err != nil {
		return err
	}
	if e.Candidate != nil {
		if err := checkResume("data.candidate", h.ResumeHosts, &e.Candidate.Candidate); err != nil {
			return err
		}
	}
	out, err := h.Intake.Accept(r.Context(), e)
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if out.Status == "duplicate" {
		status = http.StatusOK
	}
	WriteJSON(w, status, struct {
		EventID string `json:"eventId"`
		export.Outcome
	}{e.ID, out})
	return nil
}
