package export

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
)

// Lever's built-in lead stages (LEVER.md §8: slugs, required, not deletable).
// Progression is forward only, in this order.
const (
	StageNewLead    = "lead-new"
	StageReachedOut = "lead-reached-out"
	StageResponded  = "lead-responded"
	StageApplicant  = "applicant-new"
)

// stageRank orders the lead stages; any other stage (applicant, interview,
// offer, custom) ranks past them, so leverlink never moves it back.
func stageRank(s string) int {
	switch s {
	case "":
		return 0
	case StageNewLead:
		return 1
	case StageReachedOut:
		return 2
	case StageResponded:
		return 3
	}
	return 100
}

// stageFor returns the lead stage the correspondence reached: responded
// after an inbound message, reached out after an outbound one.
func stageFor(msgs []event.Message) string {
	stage := ""
	for _, m := range msgs {
		switch m.Direction {
		case "inbound":
			return StageResponded
		case "outbound":
			stage = StageReachedOut
		}
	}
	return stage
}

// opportunityInput maps the snapshot to Lever's create body (DESIGN §4).
func opportunityInput(c event.Candidate, source, origin, postingID, owner, contact string) lever.OpportunityInput {
	in := lever.OpportunityInput{
		Name:     strings.TrimSpace(c.FirstName + " " + c.LastName),
		Headline: headline(c),
		Location: c.Location.String(),
		Emails:   append([]string(nil), c.Emails...),
		Tags:     append([]string(nil), c.Tags...),
		Sources:  []string{source},
		Origin:   origin,
		Owner:    owner,
		Contact:  contact,
	}
	for _, p := range c.Phones {
		in.Phones = append(in.Phones, lever.Phone{Value: p})
	}
	seen := map[string]bool{}
	for _, l := range append([]string{c.ProfileURL, c.LinkedInURL}, c.Links...) {
		if l != "" && !seen[l] {
			seen[l] = true
			in.Links = append(in.Links, l)
		}
	}
	if postingID != "" {
		in.Postings = []string{postingID}
	}
	if owner != "" {
		in.Followers = []string{owner}
	}
	if origin == lever.OriginApplied && postingID != "" {
		in.Stage = StageApplicant
	} else {
		in.Stage = stageFor(c.Messages)
	}
	return in
}

// headline is the snapshot's headline, else "Title at Company".
func headline(c event.Candidate) string {
	if c.Headline != "" {
		return c.Headline
	}
	switch {
	case c.CurrentTitle != "" && c.CurrentCompany != "":
		return c.CurrentTitle + " at " + c.CurrentCompany
	case c.CurrentTitle != "":
		return c.CurrentTitle
	}
	return c.CurrentCompany
}

// ref is the activity reference carried by every note leverlink writes, so
// that a retry can find a note whose creation was applied but not confirmed.
func ref(candidateID, activityID string) string {
	return fmt.Sprintf("[leverlink ref %s/%s]", candidateID, activityID)
}

// historyNote renders the messages and notes of the snapshot as one note,
// oldest first, ending with the activity reference.
func historyNote(c event.Candidate, source string) string {
	type item struct {
		at   time.Time
		text string
	}
	var items []item
	for _, m := range c.Messages {
		who := m.Author
		if who == "" {
			who = map[string]string{"inbound": "Candidate", "outbound": "Team"}[m.Direction]
		}
		items = append(items, item{m.SentAt, fmt.Sprintf("%s — message (%s) from %s:\n%s", m.SentAt.UTC().Format("2006-01-02 15:04 MST"), m.Direction, who, m.Body)})
	}
	for _, n := range c.Notes {
		who := n.Author
		if who == "" {
			who = "Team"
		}
		items = append(items, item{n.CreatedAt, fmt.Sprintf("%s — team note by %s:\n%s", n.CreatedAt.UTC().Format("2006-01-02 15:04 MST"), who, n.Body)})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].at.Before(items[j].at) })
	var b strings.Builder
	fmt.Fprintf(&b, "History from %s", source)
	if c.ProfileURL != "" {
		fmt.Fprintf(&b, " (%s)", c.ProfileURL)
	}
	b.WriteString("\n")
	for _, it := range items {
		b.WriteString("\n")
		b.WriteString(it.text)
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString(ref(c.ID, "history"))
	return b.String()
}

// messageNote renders one later message as a note.
func messageNote(candidateID string, m event.Message, source string) string {
	who := m.Author
	if who == "" {
		who = map[string]string{"inbound": "Candidate", "outbound": "Team"}[m.Direction]
	}
	return fmt.Sprintf("%s message (%s) from %s, %s:\n%s\n\n%s", source, m.Direction, who,
		m.SentAt.UTC().Format("2006-01-02 15:04 MST"), m.Body, ref(candidateID, "message:"+m.ID))
}

// teamNote renders one later team note as a note.
func teamNote(candidateID string, n event.Note, source string) string {
	who := n.Author
	if who == "" {
		who = "Team"
	}
	return fmt.Sprintf("%s team note by %s, %s:\n%s\n\n%s", source, who,
		n.CreatedAt.UTC().Format("2006-01-02 15:04 MST"), n.Body, ref(candidateID, "note:"+n.ID))
}
