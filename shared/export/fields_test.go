package export

import (
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
)

func TestOpportunityInput(t *testing.T) {
	c := event.Candidate{
		ID: "c1", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"}, Phones: []string{"+44 1"},
		CurrentTitle: "Engineer", CurrentCompany: "Engines", Location: &event.Location{City: "London", Country: "GB"},
		ProfileURL: "https://m.example/c1", LinkedInURL: "https://linkedin.com/in/ada", Links: []string{"https://m.example/c1", "https://gh.example/ada"},
		Tags:     []string{"go"},
		Messages: []event.Message{{ID: "m1", Direction: "outbound", SentAt: time.Unix(1, 0), Body: "hi"}},
	}
	tests := []struct {
		name                string
		origin, posting     string
		wantStage           string
		wantPostings, wantN int
	}{
		{"sourced on a posting", lever.OriginSourced, "p1", StageReachedOut, 1, 3},
		{"applied on a posting", lever.OriginApplied, "p1", StageApplicant, 1, 3},
		{"general opportunity", lever.OriginSourced, "", StageReachedOut, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := opportunityInput(c, "Market", tt.origin, tt.posting, "u1", "")
			if in.Name != "Ada Lovelace" || in.Headline != "Engineer at Engines" || in.Location != "London, GB" {
				t.Errorf("identity: got %q %q %q", in.Name, in.Headline, in.Location)
			}
			if in.Stage != tt.wantStage || len(in.Postings) != tt.wantPostings || len(in.Links) != tt.wantN {
				t.Errorf("got stage %q postings %v links %v", in.Stage, in.Postings, in.Links)
			}
			if len(in.Sources) != 1 || in.Sources[0] != "Market" || in.Origin != tt.origin || in.Owner != "u1" {
				t.Errorf("got sources %v origin %q owner %q", in.Sources, in.Origin, in.Owner)
			}
		})
	}
}

func TestStageRankIsForwardOnly(t *testing.T) {
	tests := []struct {
		msgs []event.Message
		want string
	}{
		{nil, ""},
		{[]event.Message{{Direction: "outbound"}}, StageReachedOut},
		{[]event.Message{{Direction: "outbound"}, {Direction: "inbound"}}, StageResponded},
	}
	for _, tt := range tests {
		if got := stageFor(tt.msgs); got != tt.want {
			t.Errorf("stageFor(%v) = %q, want %q", tt.msgs, got, tt.want)
		}
	}
	if !(stageRank(StageNewLead) < stageRank(StageReachedOut) && stageRank(StageReachedOut) < stageRank(StageResponded) && stageRank(StageResponded) < stageRank("phone-screen")) {
		t.Error("stage ranks are not ordered")
	}
}

func TestHistoryNoteCarriesReferenceInOrder(t *testing.T) {
	c := event.Candidate{ID: "c1", ProfileURL: "https://m.example/c1",
		Messages: []event.Message{{ID: "m2", Direction: "inbound", SentAt: time.Unix(200, 0), Body: "second"}},
		Notes:    []event.Note{{ID: "n1", CreatedAt: time.Unix(100, 0), Body: "first"}},
	}
	got := historyNote(c, "Market")
	if !strings.HasSuffix(got, ref("c1", "history")) {
		t.Errorf("history note does not end with its reference:\n%s", got)
	}
	if strings.Index(got, "first") > strings.Index(got, "second") {
		t.Errorf("history note is not oldest first:\n%s", got)
	}
}

func TestDecodeJobRejectsPoison(t *testing.T) {
	tests := []struct {
		name, body, wantField string
	}{
		{"not json", `{`, "job"},
		{"no company", `{"kind":"export","candidateId":"c1"}`, "companyId"},
		{"unknown kind", `{"kind":"x","companyId":"a","candidateId":"c1"}`, "kind"},
		{"export without candidate", `{"kind":"export","companyId":"a","candidateId":"c1"}`, "candidate"},
		{"mismatched candidate", `{"kind":"export","companyId":"a","candidateId":"c1","candidate":{"id":"c2"}}`, "candidate.id"},
		{"push without activity", `{"kind":"push","companyId":"a","candidateId":"c1"}`, "message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeJob([]byte(tt.body))
			if err == nil {
				t.Fatal("got no error")
			}
			if !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("error %q does not name %q", err, tt.wantField)
			}
		})
	}
}
