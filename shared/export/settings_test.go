package export

import (
	"context"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/settings"
)

// countingSettings is a settings.Getter that counts its reads.
type countingSettings struct {
	s     settings.Settings
	found bool
	reads int
}

func (c *countingSettings) Get(_ context.Context, companyID string) (settings.Settings, error) {
	c.reads++
	if !c.found {
		return settings.Settings{}, apperr.E(apperr.NotFound, "none")
	}
	return c.s, nil
}

// TestDecideWithSettings: the settings are read only when they can change
// the answer, and then they do.
func TestDecideWithSettings(t *testing.T) {
	t.Parallel()
	connected := connection.Connection{Status: connection.Connected}
	linked := link.Link{PositionID: "pos-1", PostingID: "post-1", Trigger: link.ContactInfoFound}
	consented := &event.Candidate{ID: "c", Consent: &event.Consent{Granted: true}}
	bare := &event.Candidate{ID: "c"}
	linkedIn := Input{Via: ViaEvent, Job: KindExport, Conn: connected, Link: linked, LinkFound: true,
		Event: event.ContactInfoFound, Candidate: consented, PositionID: "pos-1"}
	general := Input{Via: ViaEvent, Job: KindExport, Conn: connected, Event: event.ContactAccepted, Candidate: consented}
	with := func(in Input, fn func(*Input)) Input { fn(&in); return in }
	for _, tc := range []struct {
		name      string
		in        Input
		stored    *settings.Settings
		want      Decision
		wantReads int
	}{
		{"exportable: no read", linkedIn, nil, Decision{Action: Export}, 0},
		{"not connected: no read", with(linkedIn, func(in *Input) { in.Conn = connection.Connection{} }), nil, Decision{Skip, ReasonNotConnected}, 0},
		{"no consent, none stored", with(linkedIn, func(in *Input) { in.Candidate = bare }), nil, Decision{Skip, ReasonNoConsent}, 1},
		{"no consent, gate off", with(linkedIn, func(in *Input) { in.Candidate = bare }), &settings.Settings{ExportBeforeConsent: true}, Decision{Action: Export}, 1},
		{"no consent, gate on", with(linkedIn, func(in *Input) { in.Candidate = bare }), &settings.Settings{AllowGeneralOpportunity: true}, Decision{Skip, ReasonNoConsent}, 1},
		{"no position, general allowed", general, &settings.Settings{AllowGeneralOpportunity: true}, Decision{Action: Export}, 1},
		{"no position, general off", general, &settings.Settings{ExportBeforeConsent: true}, Decision{Skip, ReasonPositionNotLinked}, 1},
		{"unlinked position: no read", with(linkedIn, func(in *Input) { in.LinkFound = false }), &settings.Settings{AllowGeneralOpportunity: true}, Decision{Skip, ReasonPositionNotLinked}, 0},
		{"chosen posting unknown: no read", with(general, func(in *Input) { in.Via, in.PostingID = ViaButton, "post-9" }), &settings.Settings{AllowGeneralOpportunity: true}, Decision{Skip, ReasonPostingNotFound}, 0},
	} {
		g := &countingSettings{}
		if tc.stored != nil {
			g.s, g.found = *tc.stored, true
		}
		got, _, err := decideWithSettings(context.Background(), g, "co", tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want || g.reads != tc.wantReads {
			t.Errorf("%s: got %s %q after %d reads, want %s %q after %d", tc.name, got.Action, got.Reason, g.reads, tc.want.Action, tc.want.Reason, tc.wantReads)
		}
	}
}
