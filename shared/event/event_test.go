package event

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestParseTestdata(t *testing.T) {
	tests := []struct {
		file          string
		wantType      Type
		wantCandidate string
	}{
		{"contact_accepted.json", ContactAccepted, "cand_7731"},
		{"message_created.json", MessageCreated, "cand_7731"},
		{"note_created.json", NoteCreated, "cand_7731"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			e, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if e.Type != tt.wantType || e.CandidateID() != tt.wantCandidate {
				t.Errorf("got type %s candidate %s, want %s %s", e.Type, e.CandidateID(), tt.wantType, tt.wantCandidate)
			}
		})
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	base, _ := os.ReadFile("testdata/contact_accepted.json")
	tests := []struct {
		name      string
		from, to  string
		wantField string
		wantIn    string
	}{
		{"missing id", `"id": "evt_01HZX3K9A7"`, `"id": ""`, "id", ""},
		{"unknown type lists known", `"candidate.contact_accepted"`, `"candidate.hired"`, "type", "candidate.replied_interested"},
		{"bad email", `"ada@example.com"`, `"not-an-email"`, "data.candidate.emails[0]", ""},
		{"bad linkedin", `https://www.linkedin.com/in/ada-lovelace/`, `https://example.com/ada`, "data.candidate.linkedinUrl", ""},
		{"bad message direction", `"direction": "inbound"`, `"direction": "sideways"`, "data.candidate.messages[1].direction", ""},
		{"wrong type", `"firstName": "Ada"`, `"firstName": 7`, "data.candidate.firstName", ""},
		{"unknown field", `"headline":`, `"headlin":`, "data.candidate.headlin", ""},
		{"company id with slash", `"companyId": "acme"`, `"companyId": "ac/me"`, "companyId", ""},
		{"bad base64", `"JVBERi0xLjQKJcfsj6IKJSVFT0YK"`, `"***"`, "data.candidate.resume.contentBase64", ""},
		{"missing occurredAt", `"occurredAt": "2026-11-20T09:15:00Z",`, ``, "occurredAt", ""},
		// 2 messages and 1 note in testdata: one more than MaxActivities.
		{"too many messages and notes", `"messages": [`, `"messages": [` + strings.Repeat(`{"id": "m", "direction": "inbound", "sentAt": "2026-11-18T10:00:00Z", "body": "x"},`, MaxActivities-2), "data.candidate.messages", "at most 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(string(base), tt.from, tt.to, 1)
			if body == string(base) {
				t.Fatalf("test does not change the body")
			}
			_, err := Parse([]byte(body))
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
			if e.Field != tt.wantField {
				t.Errorf("field: got %q, want %q (%v)", e.Field, tt.wantField, err)
			}
			if tt.wantIn != "" && !strings.Contains(e.Message, tt.wantIn) {
				t.Errorf("message %q does not contain %q", e.Message, tt.wantIn)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"e1"}`)
	good := Sign("s1", now, body)
	tests := []struct {
		name       string
		header     string
		body       []byte
		secrets    []string
		at         time.Time
		wantReason string
	}{
		{"valid", good, body, []string{"s1"}, now, ""},
		{"rotation: second secret", good, body, []string{"s0", "s1"}, now, ""},
		{"several v1 values", Sign("old", now, body) + ",v1=" + strings.Split(good, "v1=")[1], body, []string{"s1"}, now, ""},
		{"wrong secret", good, body, []string{"s2"}, now, "signature_mismatch"},
		{"altered body", good, []byte(`{"id":"e2"}`), []string{"s1"}, now, "signature_mismatch"},
		{"too old", good, body, []string{"s1"}, now.Add(6 * time.Minute), "timestamp_out_of_tolerance"},
		{"from the future", good, body, []string{"s1"}, now.Add(-6 * time.Minute), "timestamp_out_of_tolerance"},
		{"missing", "", body, []string{"s1"}, now, "missing_signature"},
		{"malformed", "v1=abc", body, []string{"s1"}, now, "malformed_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.header, tt.body, tt.secrets, tt.at)
			if got := apperr.ReasonOf(err); got != tt.wantReason {
				t.Errorf("got reason %q (%v), want %q", got, err, tt.wantReason)
			}
			if err != nil && !apperr.Is(err, apperr.Unauthorized) {
				t.Errorf("got code %s, want unauthorized", apperr.CodeOf(err))
			}
		})
	}
}

func TestNormalizeLinkedIn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://www.linkedin.com/in/Ada-Lovelace/", "linkedin.com/in/ada-lovelace"},
		{"https://linkedin.com/in/ada-lovelace?trk=x", "linkedin.com/in/ada-lovelace"},
		{"http://uk.linkedin.com/in/ada-lovelace", "linkedin.com/in/ada-lovelace"},
		{"https://example.com/in/ada", ""},
		{"https://www.linkedin.com/company/acme", ""},
	}
	for _, tt := range tests {
		if got := NormalizeLinkedIn(tt.in); got != tt.want {
			t.Errorf("NormalizeLinkedIn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestActivitiesAtTheLimitAccepted: a snapshot with exactly MaxActivities
// messages and notes is accepted (testdata has 2 messages and 1 note).
func TestActivitiesAtTheLimitAccepted(t *testing.T) {
	base, err := os.ReadFile("testdata/contact_accepted.json")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(base), `"messages": [`, `"messages": [`+strings.Repeat(`{"id": "m", "direction": "inbound", "sentAt": "2026-11-18T10:00:00Z", "body": "x"},`, MaxActivities-3), 1)
	e, err := Parse([]byte(body))
	if err != nil {
		t.Fatalf("Parse of %d messages and notes: %v", MaxActivities, err)
	}
	if c := e.Candidate; c == nil || len(c.Candidate.Messages)+len(c.Candidate.Notes) != MaxActivities {
		t.Fatalf("parsed %+v, want %d messages and notes", c, MaxActivities)
	}
}
