package link

import "github.com/leverlink/leverlink/shared/event"

// funnel orders Pin's funnel steps: an event at or past the link's step
// fires it. Keyed by the event type and by the trigger of the same step.
var funnel = map[string]int{
	string(event.ContactInfoFound):  1,
	string(event.FirstMessageSent):  2,
	string(event.Replied):           3,
	string(event.RepliedInterested): 4,

	string(ContactInfoFound):  1,
	string(FirstMessageSent):  2,
	string(Replied):           3,
	string(RepliedInterested): 4,
}

// Fires reports whether a candidate event of type t triggers an automatic
// export for a link with trigger tr. contact_accepted (and the empty
// trigger, its default) fires only on candidate.contact_accepted; a funnel
// trigger fires on any funnel event at or past its step, and also on
// contact_accepted (the candidate accepted, which is past every sourcing
// step); candidate.applied always fires (an application is the strongest
// signal); never fires on nothing. It is the only place triggers are
// evaluated.
func Fires(tr Trigger, t event.Type) bool {
	if tr == Never {
		return false
	}
	if t == event.Applied {
		return true
	}
	if tr == ContactAccepted || tr == "" {
		return t == event.ContactAccepted
	}
	step, ok := funnel[string(tr)]
	if !ok {
		return false
	}
	if t == event.ContactAccepted {
		return true
	}
	got, ok := funnel[string(t)]
	return ok && got >= step
}
