package leverfake

import (
	"maps"
	"slices"
	"strings"
)

// count records a request to label globally and for a (may be nil). Call
// with f.mu held.
func (f *Fake) count(a *account, label string) {
	f.counters[label]++
	if a != nil {
		a.counters[label]++
	}
}

// Calls returns how many requests reached an endpoint label across all
// accounts, e.g. "POST /opportunities", "GET /opportunities/:id",
// "POST /oauth/token refresh_token", "GET /authorize". The key
// "oauth invalid_grant" counts token requests answered invalid_grant.
func (f *Fake) Calls(endpoint string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counters[endpoint]
}

// Counters returns a copy of the global per-endpoint counters.
func (f *Fake) Counters() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.counters)
}

// ResetCounters zeroes every counter.
func (f *Fake) ResetCounters() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counters = map[string]int{}
	for _, a := range f.accounts {
		a.counters = map[string]int{}
	}
}

// Duplicate is a visible double write: Kind "opportunity" for more than one
// active opportunity with the same contact and posting, Kind "note" for the same
// note text twice on one opportunity.
type Duplicate struct {
	AccountID     string   `json:"accountId"`
	Kind          string   `json:"kind"`
	ContactID     string   `json:"contactId,omitempty"`
	PostingID     string   `json:"postingId,omitempty"`
	OpportunityID string   `json:"opportunityId,omitempty"`
	Text          string   `json:"text,omitempty"`
	IDs           []string `json:"ids"`
}

// Duplicates reports every duplicate in every account.
func (f *Fake) Duplicates() []Duplicate {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Duplicate
	for _, id := range f.accountOrder {
		out = append(out, f.accounts[id].duplicates()...)
	}
	return out
}

// Duplicates reports the account's duplicates.
func (acc *Account) Duplicates() []Duplicate {
	var out []Duplicate
	acc.locked(func(a *account) { out = a.duplicates() })
	return out
}

func (a *account) duplicates() []Duplicate {
	var out []Duplicate
	type key struct{ contact, posting string }
	byKey := map[key][]string{}
	var keys []key
	for _, o := range a.opps {
		if o.Archived != nil {
			// An archived candidacy next to a new active one on the same
			// posting is what Lever's own flow produces (a recruiter
			// archives; the person is sourced again): not a double write.
			continue
		}
		for _, p := range o.Postings {
			k := key{o.Contact, p}
			if byKey[k] == nil {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], o.ID)
		}
	}
	for _, k := range keys {
		if ids := byKey[k]; len(ids) > 1 {
			out = append(out, Duplicate{AccountID: a.id, Kind: "opportunity", ContactID: k.contact, PostingID: k.posting, IDs: ids})
		}
	}
	for _, o := range a.opps {
		byText := map[string][]string{}
		var texts []string
		for _, n := range a.notes[o.ID] {
			t := strings.TrimSpace(n.body())
			if byText[t] == nil {
				texts = append(texts, t)
			}
			byText[t] = append(byText[t], n.ID)
		}
		for _, t := range texts {
			if ids := byText[t]; len(ids) > 1 {
				out = append(out, Duplicate{AccountID: a.id, Kind: "note", OpportunityID: o.ID, Text: t, IDs: slices.Clone(ids)})
			}
		}
	}
	return out
}

// body is the note's text: its first field's value (docs #list-all-notes;
// Text is the form title "Note").
func (n *Note) body() string {
	for _, fl := range n.Fields {
		if s, ok := fl.Value.(string); ok && s != "" {
			return s
		}
	}
	return n.Text
}
