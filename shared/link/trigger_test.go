package link

import (
	"testing"

	"github.com/leverlink/leverlink/shared/event"
)

func TestFires(t *testing.T) {
	t.Parallel()
	tests := []struct {
		trigger Trigger
		typ     event.Type
		want    bool
	}{
		{ContactAccepted, event.ContactAccepted, true},
		{ContactAccepted, event.Replied, false},
		{ContactAccepted, event.Applied, true},
		{"", event.ContactAccepted, true},
		{"", event.ContactInfoFound, false},
		{ContactInfoFound, event.ContactInfoFound, true},
		{ContactInfoFound, event.FirstMessageSent, true},
		{FirstMessageSent, event.ContactInfoFound, false},
		{Replied, event.FirstMessageSent, false},
		{Replied, event.Replied, true},
		{Replied, event.RepliedInterested, true},
		{RepliedInterested, event.Replied, false},
		{RepliedInterested, event.ContactAccepted, true},
		{Never, event.ContactAccepted, false},
		{Never, event.Applied, false},
		{Replied, event.Applied, true},
		{ContactAccepted, event.PositionChanged, false},
		{Replied, event.PositionChanged, false},
		{Replied, event.MessageCreated, false},
		{"unknown", event.Replied, false},
	}
	for _, tt := range tests {
		if got := Fires(tt.trigger, tt.typ); got != tt.want {
			t.Errorf("Fires(%q, %s) = %v, want %v", tt.trigger, tt.typ, got, tt.want)
		}
	}
}
