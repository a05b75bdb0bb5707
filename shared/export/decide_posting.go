package export

import "github.com/leverlink/leverlink/shared/lever"

// decidePosting is Decide's rule for an application that names its posting
// (Input.PostingID, from candidate.applied data.postingId): the posting
// replaces the position's link. A posting not in the company's postings
// cache is Skip posting_not_found (unknown to Lever at the last refresh,
// or another company's); one that is not open for applications (Lever
// accepts applications to published and internal postings only, docs
// #apply-to-a-posting) is Skip posting_closed. Otherwise stop is false and
// Decide goes on with the consent gate. Kept apart from the link rules so
// that an export to a chosen posting can share it.
func decidePosting(in Input) (d Decision, stop bool) {
	switch in.PostingState {
	case "":
		return Decision{Skip, ReasonPostingNotFound}, true
	case lever.PostingPublished, lever.PostingInternal:
		return Decision{}, false
	}
	return Decision{Skip, ReasonPostingClosed}, true
}
