package leverfake

// SeedDemo adds the demo account used by the local stack and `make demo`:
// a super admin, a recruiter, a deactivated user and postings in every
// state (one confidential, one published on the internal job site only). It returns the account.
func SeedDemo(f *Fake) *Account {
	a := f.NewAccount("Acme Demo")
	a.AddUser(User{Name: "Rita Recruiter", Email: "rita@acme-demo.example", AccessRole: "admin"})
	gone := a.AddUser(User{Name: "Olga Former", Email: "olga@acme-demo.example"})
	a.DeactivateUser(gone.ID)
	cats := Categories{Team: "Engineering", Department: "R&D", Location: "Paris", Commitment: "Full-time"}
	a.AddPosting(Posting{Text: "Backend Engineer (Go)", Categories: cats})
	a.AddPosting(Posting{Text: "Frontend Engineer", Categories: cats})
	a.AddPosting(Posting{Text: "Data Engineer", State: "internal", Categories: cats})
	// Published on the internal job site only: listed only when
	// distributionChannel=internal is asked (docs #list-all-postings).
	a.AddPosting(Posting{Text: "Platform Engineer (internal job site)", DistributionChannels: []string{"internal"}, Categories: cats})
	a.AddPosting(Posting{Text: "Head of Sales", Confidentiality: "confidential"})
	for _, s := range []string{"closed", "draft", "pending", "rejected"} {
		a.AddPosting(Posting{Text: "Old role (" + s + ")", State: s})
	}
	return a
}
