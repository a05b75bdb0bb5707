package export

import "github.com/leverlink/leverlink/shared/lever"

// openForApplications reports whether an application (candidate.applied
// with data.postingId) may land on a posting in state: Lever accepts
// applications to published and internal postings only (docs
// #apply-to-a-posting). Decide answers posting_closed otherwise.
func openForApplications(state string) bool {
	return state == lever.PostingPublished || state == lever.PostingInternal
}
