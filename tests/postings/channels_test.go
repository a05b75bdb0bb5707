package postings

import (
	"net/http"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestInternalOnlyPostingListedAndLinkable: the refresher asks Lever for
// both job sites (distributionChannel=public&distributionChannel=internal),
// so a posting published only on the internal job site is cached, listed
// and linkable.
func TestInternalOnlyPostingListedAndLinkable(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	acct.AddPosting(leverfake.Posting{Text: "Public", State: "published"})
	internal := acct.AddPosting(leverfake.Posting{Text: "Internal only", State: "published", DistributionChannels: []string{"internal"}})
	out := reload(t, e, "acme")
	found := false
	for _, p := range out.Postings {
		found = found || p.ID == internal.ID
	}
	if len(out.Postings) != 2 || !found {
		t.Fatalf("postings: got %+v, want 2 with the internal-only %s", out.Postings, internal.ID)
	}
	if code, body := call(e, apptest.APIKey, http.MethodPut, "/v1/companies/acme/links/pos-int", map[string]any{"postingId": internal.ID}); code != http.StatusOK {
		t.Fatalf("link to the internal-only posting: %d %s", code, body)
	}
}
