package event

import "github.com/leverlink/leverlink/shared/link"

// funnel orders Pin's funnel steps: an event at or past the link's step
// fires it.
var funnel = map[string]int{
	string(ContactInfoFound):  1,
	string(FirstMessageSent):  2,
	string(Replied):           3,
	string(RepliedInterested): 4,

	string(link.ContactInfoFound):  1,
	string(link.FirstMessageSent):  2,
	string(link.Replied):           3,
	string(link.RepliedInterested): 4,
}

// Fires reports whether an event of type t triggers an automatic export for
// a link with trigger tr. contact_accepted fires only on
// candidate.contact_accepted; a funnel trigger fires on any funnel event at
// or past its step, and also on contact_accepted (the candidate accepted,
// which is past every sourcing step); candidate.applied always fires (an
// application is the strongest signal); never fires on nothing.
func Fires(tr link.Trigger, t Type) bool {
	if tr == link.Never {
		return false
	}
	if t == Applied {
		return true
	}
	if tr == link.ContactAccepted || tr == "" {
		return t == ContactAccepted
	}
	step, ok := funnel[string(tr)]
	if !ok {
		return false
	}
	if t == ContactAccepted {
		return true
	}
	got, ok := funnel[string(t)]
	return ok && got >= step
}

// ConsentGiven reports whether the snapshot carries consent, or the event
// itself is the consent (contact accepted, application).
func ConsentGiven(t Type, c Candidate) bool {
	if t == ContactAccepted || t == Applied {
		return true
	}
	return c.Consent != nil && c.Consent.Granted
}
