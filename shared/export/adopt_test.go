package export

import (
	"testing"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
)

// TestAdoptable: an archived opportunity is never adopted, even when Lever
// ignored archived=false and listed it.
func TestAdoptable(t *testing.T) {
	archived := lever.Opportunity{ID: "arch", Archived: &lever.Archived{Reason: "r"}, Applications: []string{"a1"}}
	archivedGeneral := lever.Opportunity{ID: "arch-gen", Archived: &lever.Archived{Reason: "r"}}
	onPosting := lever.Opportunity{ID: "live", Applications: []string{"a2"}}
	general := lever.Opportunity{ID: "gen"}
	tests := []struct {
		name      string
		opps      []lever.Opportunity
		postingID string
		wantID    string
		wantOK    bool
	}{
		{"only archived on the posting", []lever.Opportunity{archived}, "p1", "", false},
		{"archived then live", []lever.Opportunity{archived, onPosting}, "p1", "live", true},
		{"general: archived general skipped", []lever.Opportunity{archivedGeneral, general}, "", "gen", true},
		{"general: one with application skipped", []lever.Opportunity{onPosting}, "", "", false},
		{"none", nil, "p1", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := adoptable(tc.opps, tc.postingID)
			if ok != tc.wantOK || got.ID != tc.wantID {
				t.Errorf("adoptable: got %q %v, want %q %v", got.ID, ok, tc.wantID, tc.wantOK)
			}
		})
	}
}

// TestConfidentiality: confidentiality=all exactly when the connection
// holds the confidential scope.
func TestConfidentiality(t *testing.T) {
	tests := []struct{ scopes, want string }{
		{"offline_access opportunities:write:admin", ""},
		{"offline_access confidential:access:admin", "all"},
		{"confidential:access:adminx", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := (connection.Connection{Scopes: tc.scopes}).Confidentiality(); got != tc.want {
			t.Errorf("Confidentiality(%q): got %q, want %q", tc.scopes, got, tc.want)
		}
	}
}
