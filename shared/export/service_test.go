package export

import (
	"testing"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/link"
)

// TestView: exportable is Decide's (ViaStatus) answer and reason follows
// the rules of view, in every state.
func TestView(t *testing.T) {
	t.Parallel()
	connected := connection.Connection{Status: connection.Connected}
	linked := link.Link{PositionID: "pos-1", PostingID: "p", Trigger: link.ContactAccepted}
	in := func(m *Marker, conn connection.Connection, l *link.Link) facts {
		f := facts{in: Input{Conn: conn, PositionID: "pos-1"}}
		if m != nil {
			f.in.Marker, f.in.MarkerFound = *m, true
		}
		if l != nil {
			f.in.Link, f.in.LinkFound = *l, true
		}
		return f
	}
	closed := linked
	closed.Flag = link.FlagPostingClosed
	tests := []struct {
		name           string
		f              facts
		wantState      string
		wantExportable bool
		wantReason     Reason
	}{
		{"never seen, linked", in(nil, connected, &linked), "not_exported", true, ""},
		{"never seen, unlinked", in(nil, connected, nil), "not_exported", false, ReasonPositionNotLinked},
		{"exported", in(&Marker{State: Exported}, connected, &linked), "exported", false, ReasonAlreadyExported},
		{"exporting", in(&Marker{State: Exporting}, connected, &linked), "exporting", false, ReasonInProgress},
		{"skipped unlinked, linked now", in(&Marker{State: Skipped, Reason: "position_not_linked"}, connected, &linked), "skipped", true, ""},
		{"skipped no consent", in(&Marker{State: Skipped, Reason: "no_consent"}, connected, &linked), "skipped", true, ReasonNoConsent},
		{"skipped no consent, closed now", in(&Marker{State: Skipped, Reason: "no_consent"}, connected, &closed), "skipped", false, ReasonPostingClosed},
		{"skipped revoked (legacy spelling), reconnected", in(&Marker{State: Skipped, Reason: "revoked"}, connected, &linked), "skipped", true, ""},
		{"skipped revoked (legacy spelling), still revoked", in(&Marker{State: Skipped, Reason: "revoked"}, connection.Connection{Status: connection.Revoked}, nil), "skipped", false, ReasonLeverRevoked},
		{"failed, exportable", in(&Marker{State: Failed, Reason: "lever_rejected"}, connected, &linked), "failed", true, ReasonLeverRejected},
		{"failed, disconnected since", in(&Marker{State: Failed, Reason: "invalid_job"}, connection.Connection{}, nil), "failed", false, ReasonInvalidJob},
	}
	for _, tt := range tests {
		v := view(tt.f, "c")
		if v.State != tt.wantState || v.Exportable != tt.wantExportable || v.Reason != tt.wantReason {
			t.Errorf("%s: got %s exportable=%v reason=%q, want %s %v %q", tt.name, v.State, v.Exportable, v.Reason, tt.wantState, tt.wantExportable, tt.wantReason)
		}
	}
}
