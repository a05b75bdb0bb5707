package event

// ConsentGiven reports whether the snapshot carries consent, or the event
// itself is the consent (contact accepted, application).
func ConsentGiven(t Type, c Candidate) bool {
	if t == ContactAccepted || t == Applied {
		return true
	}
	return c.Consent != nil && c.Consent.Granted
}
