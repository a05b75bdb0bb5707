package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/leversync"
)

// LeverReceiver takes one Lever webhook delivery for a company
// (leversync.Core.Receive).
type LeverReceiver interface {
	Receive(ctx context.Context, companyID string, body []byte) (leversync.Receipt, error)
}

// LeverWebhook is the handler of POST /v1/lever-webhooks/{companyId}, the
// URL leverlink registers its Lever webhooks at. The delivery is
// authenticated by its signature (Lever signs the body with the webhook's
// signature token; docs "Request signing"): unsigned, forged and stale
// deliveries are 401. It answers 200 with {"status": applied | unchanged |
// ignored}; any non-2xx makes Lever retry. Safe for concurrent use.
type LeverWebhook struct {
	Receiver LeverReceiver
	Log      *slog.Logger
}

// ServeHTTP implements http.Handler.
func (h *LeverWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	r = withRequestID(w, r)
	if err := h.serve(w, r); err != nil {
		WriteError(w, r, log, err)
	}
}

func (h *LeverWebhook) serve(w http.ResponseWriter, r *http.Request) error {
	companyID := r.PathValue("companyId")
	if err := event.CheckID("companyId", companyID); err != nil {
		return err
	}
	if h.Receiver == nil {
		return apperr.E(apperr.NotFound, "Lever sync-back is not configured")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.InvalidField("body", "is larger than %d bytes", MaxBody)
		}
		return apperr.Wrap(apperr.Invalid, err, "cannot read the body")
	}
	rc, err := h.Receiver.Receive(r.Context(), companyID, body)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, rc)
	return nil
}
