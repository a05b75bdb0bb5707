package export

import "testing"

// TestInHistory: the one rule saying whether an activity was (or may be
// being) written as part of the history note.
func TestInHistory(t *testing.T) {
	holds := []string{"message:m-1", "note:n-1"}
	tests := []struct {
		name     string
		h        Marker
		found    bool
		activity string
		want     historyPlace
	}{
		{"no history", Marker{}, false, "message:m-1", notInHistory},
		{"exported, listed", Marker{State: Exported, Contains: holds}, true, "message:m-1", heldByHistory},
		{"exported, a note listed", Marker{State: Exported, Contains: holds}, true, "note:n-1", heldByHistory},
		{"exported, not listed", Marker{State: Exported, Contains: holds}, true, "message:m-2", notInHistory},
		{"exported before activities were listed", Marker{State: Exported}, true, "message:m-1", notInHistory},
		{"claimed, listed", Marker{State: Exporting, ClaimID: "c", Contains: holds}, true, "message:m-1", pendingHistory},
		{"outcome unknown, listed", Marker{State: Exporting, Contains: holds}, true, "message:m-1", pendingHistory},
		{"claimed, not listed", Marker{State: Exporting, ClaimID: "c", Contains: holds}, true, "message:m-9", notInHistory},
		{"failed, listed", Marker{State: Failed, Contains: holds}, true, "message:m-1", notInHistory},
		{"skipped, listed", Marker{State: Skipped, Contains: holds}, true, "message:m-1", notInHistory},
		{"a message id is not a note id", Marker{State: Exported, Contains: holds}, true, "note:m-1", notInHistory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inHistory(tt.h, tt.found, tt.activity); got != tt.want {
				t.Errorf("inHistory = %d, want %d", got, tt.want)
			}
		})
	}
}
