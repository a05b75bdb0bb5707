package leverfake

import (
	"slices"
	"strings"
	"sync/atomic"
)

// account is one Lever customer's data. Guarded by Fake.mu.
type account struct {
	id, name, slug string
	users          []*User
	postings       []*Posting
	stages         []Stage
	webhooks       []*Webhook           // created through the API (webhooks.go)
	deleted        []DeletedOpportunity // GET /opportunities/deleted (recruiter.go)
	hookFaults     WebhookFaults
	hookDelivered  atomic.Int64
	contacts       map[string]*Contact
	emailIndex     map[string]string // canonical email -> contact id
	opps           []*Opportunity
	oppByID        map[string]*Opportunity
	notes          map[string][]*Note
	files          map[string][]*File
	counters       map[string]int
	bucket         bucket
	adminID        string
	archiveReasons []ArchiveReason
	// home, when set, is the host:port of the listener that serves this
	// account ("another region"); requests reaching another listener are
	// redirected there (see region.go).
	home string
}

// DefaultArchiveReasons are seeded in every account: the list of Lever's
// documentation example (#list-all-archive-reasons).
var DefaultArchiveReasons = []ArchiveReason{
	{ID: "63dd55b2-a99f-4e7b-985f-22c7bf80ab42", Text: "Underqualified", Status: "active", Type: "non-hired"},
	{ID: "41f98875-06c7-4cb1-b3d0-07f7ae192c0c", Text: "Culture Fit", Status: "active", Type: "non-hired"},
	{ID: "737b8899-7f32-42a5-954f-e199b0306fcb", Text: "Timing", Status: "active", Type: "non-hired"},
	{ID: "3274b963-c37c-4465-abeb-1113896e2aa3", Text: "Withdrew", Status: "active", Type: "non-hired"},
	{ID: "1fdbfaac-4c73-45f7-af32-369054426364", Text: "Offer declined", Status: "active", Type: "non-hired"},
	{ID: "16308515-dc77-4aa7-b3af-96161b2b4e9b", Text: "Hired", Status: "active", Type: "hired"},
	{ID: "9b6f482e-0399-4ba4-9a2f-1e1d9e3da15b", Text: "Position filled", Status: "inactive", Type: "non-hired"},
}

// DefaultStages are seeded in every account, in this order.
var DefaultStages = []Stage{
	{ID: "lead-new", Text: "New lead"},
	{ID: "lead-reached-out", Text: "Reached out"},
	{ID: "lead-responded", Text: "Responded"},
	{ID: "applicant-new", Text: "New applicant"},
	{ID: "recruiter-screen", Text: "Recruiter screen"},
	{ID: "phone-interview", Text: "Phone interview"},
	{ID: "onsite-interview", Text: "On-site interview"},
	{ID: "offer", Text: "Offer"},
}

// Account is a handle on one fake Lever account. Its methods lock the Fake
// and are safe for concurrent use.
type Account struct {
	f    *Fake
	ID   string
	Name string
}

// NewAccount creates an account with the default stages and one active
// super admin (AdminID), and returns its handle. The first account created
// is the one that consents by default.
func (f *Fake) NewAccount(name string) *Account {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newAccountLocked(name)
}

func (f *Fake) newAccountLocked(name string) *Account {
	a := &account{
		id:         f.newID(),
		name:       name,
		slug:       slug(name),
		stages:     slices.Clone(DefaultStages),
		contacts:   map[string]*Contact{},
		emailIndex: map[string]string{},
		oppByID:    map[string]*Opportunity{},
		notes:      map[string][]*Note{},
		files:      map[string][]*File{},
		counters:   map[string]int{},
		bucket:     bucket{tokens: float64(f.burst), last: f.now()},

		archiveReasons: slices.Clone(DefaultArchiveReasons),
	}
	f.accounts[a.id] = a
	f.accountOrder = append(f.accountOrder, a.id)
	admin := f.addUserLocked(a, User{Name: name + " Admin", Email: "admin@" + a.slug + ".example", AccessRole: "super admin"})
	a.adminID = admin.ID
	return &Account{f: f, ID: a.id, Name: name}
}

// Account returns the handle of an existing account, or nil.
func (f *Fake) Account(id string) *Account {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[id]
	if a == nil {
		return nil
	}
	return &Account{f: f, ID: a.id, Name: a.name}
}

// Accounts returns handles of every account in creation order.
func (f *Fake) Accounts() []*Account {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*Account, 0, len(f.accountOrder))
	for _, id := range f.accountOrder {
		out = append(out, &Account{f: f, ID: id, Name: f.accounts[id].name})
	}
	return out
}

func (acc *Account) locked(fn func(a *account)) {
	acc.f.mu.Lock()
	defer acc.f.mu.Unlock()
	fn(acc.f.accounts[acc.ID])
}

// AdminID is the id of the super admin seeded by NewAccount.
func (acc *Account) AdminID() string {
	var id string
	acc.locked(func(a *account) { id = a.adminID })
	return id
}

// AddUser adds a user; ID, Username and CreatedAt are filled when empty,
// AccessRole defaults to "team member". It returns the stored user.
func (acc *Account) AddUser(u User) User {
	var out User
	acc.locked(func(a *account) { out = *acc.f.addUserLocked(a, u) })
	return out
}

func (f *Fake) addUserLocked(a *account, u User) *User {
	if u.ID == "" {
		u.ID = f.newID()
	}
	u.Email = canonEmail(u.Email)
	if u.Username == "" {
		u.Username, _, _ = strings.Cut(u.Email, "@")
	}
	if u.AccessRole == "" {
		u.AccessRole = "team member"
	}
	if u.CreatedAt == 0 {
		u.CreatedAt = f.nowMillis()
	}
	p := &u
	a.users = append(a.users, p)
	return p
}

// DeactivateUser marks a user deactivated; it reports whether it exists.
func (acc *Account) DeactivateUser(id string) bool {
	found := false
	acc.locked(func(a *account) {
		for _, u := range a.users {
			if u.ID == id {
				now := acc.f.nowMillis()
				u.DeactivatedAt = &now
				found = true
			}
		}
	})
	return found
}

// AddPosting adds a posting; ID, timestamps and URLs are filled when empty,
// State defaults to "published" and Confidentiality to "non-confidential".
func (acc *Account) AddPosting(p Posting) Posting {
	var out Posting
	acc.locked(func(a *account) { out = *acc.f.addPostingLocked(a, p) })
	return out
}

// AddPostings adds n postings copied from tmpl (Text gets a " #i" suffix).
func (acc *Account) AddPostings(n int, tmpl Posting) []Posting {
	out := make([]Posting, 0, n)
	acc.locked(func(a *account) {
		for i := range n {
			p := tmpl
			p.ID = ""
			if p.Text == "" {
				p.Text = "Posting"
			}
			p.Text += " #" + itoa(i+1)
			out = append(out, *acc.f.addPostingLocked(a, p))
		}
	})
	return out
}

func (f *Fake) addPostingLocked(a *account, p Posting) *Posting {
	if p.ID == "" {
		p.ID = f.newID()
	}
	if p.State == "" {
		p.State = "published"
	}
	if p.Confidentiality == "" {
		p.Confidentiality = "non-confidential"
	}
	now := f.nowMillis()
	if p.CreatedAt == 0 {
		p.CreatedAt = now
	}
	if p.UpdatedAt == 0 {
		p.UpdatedAt = p.CreatedAt
	}
	for _, l := range []*[]string{&p.Tags, &p.Followers, &p.RequisitionCodes} {
		if *l == nil {
			*l = []string{}
		}
	}
	if p.Categories.AllLocations == nil {
		p.Categories.AllLocations = []string{}
		if p.Categories.Location != "" {
			p.Categories.AllLocations = []string{p.Categories.Location}
		}
	}
	if p.WorkplaceType == "" {
		p.WorkplaceType = "unspecified" // docs #postings "workplaceType": defaults to 'unspecified'
	}
	if p.Country == "" {
		p.Country = "US"
	}
	if p.Content == nil {
		p.Content = &PostingContent{Description: p.Text, DescriptionHTML: "<div>" + p.Text + "</div>", Lists: []ContentList{}}
	}
	// distributionChannels is the "Array of job sites that a published
	// posting appears on" (docs #postings); the recorded closed posting has
	// null. Assumption: every non-published posting has null. A published
	// posting defaults to the public site; pass ["internal"] for an
	// internal-site-only posting.
	switch {
	case p.State != "published":
		p.DistributionChannels = nil
	case p.DistributionChannels == nil:
		p.DistributionChannels = []string{"public"}
	}
	// The recorded closed posting has "urls": null; other states keep
	// their job-site links (internal postings can be applied to by link,
	// docs #postings).
	switch {
	case p.State == "closed":
		p.URLs = nil
	case p.URLs == nil:
		base := "https://jobs.lever.co/" + a.slug
		p.URLs = &PostingURLs{List: base, Show: base + "/" + p.ID, Apply: base + "/" + p.ID + "/apply"}
	}
	if p.User == "" {
		p.User = a.adminID
	}
	if p.Owner == "" {
		p.Owner = a.adminID
	}
	pp := &p
	a.postings = append(a.postings, pp)
	return pp
}

// AddStage adds a custom stage.
func (acc *Account) AddStage(s Stage) {
	acc.locked(func(a *account) { a.stages = append(a.stages, s) })
}

// Users returns the account's users.
func (acc *Account) Users() []User {
	var out []User
	acc.locked(func(a *account) {
		for _, u := range a.users {
			out = append(out, *u)
		}
	})
	return out
}

// Postings returns the account's postings.
func (acc *Account) Postings() []Posting {
	var out []Posting
	acc.locked(func(a *account) {
		for _, p := range a.postings {
			out = append(out, *p)
		}
	})
	return out
}

// Opportunities returns the account's opportunities as the API renders them.
func (acc *Account) Opportunities() []Opportunity {
	var out []Opportunity
	acc.locked(func(a *account) {
		for _, o := range a.opps {
			out = append(out, a.render(o))
		}
	})
	return out
}

// Contacts returns the account's contacts.
func (acc *Account) Contacts() []Contact {
	var out []Contact
	acc.locked(func(a *account) {
		for _, c := range a.contacts {
			out = append(out, *c)
		}
	})
	slices.SortFunc(out, func(x, y Contact) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// Notes returns the notes of one opportunity.
func (acc *Account) Notes(opportunityID string) []Note {
	var out []Note
	acc.locked(func(a *account) {
		for _, n := range a.notes[opportunityID] {
			out = append(out, *n)
		}
	})
	return out
}

// Resumes returns the resumes of one opportunity (the resumeFile of its
// create), with their bytes.
func (acc *Account) Resumes(opportunityID string) []File {
	var out []File
	acc.locked(func(a *account) {
		for _, fl := range a.files[opportunityID] {
			if fl.Resume {
				out = append(out, *fl)
			}
		}
	})
	return out
}

// Archive archives an opportunity with an archive reason id, as a recruiter
// would in Lever; reason "" unarchives. It reports whether both exist.
func (acc *Account) Archive(opportunityID, reason string) bool {
	ok := false
	acc.locked(func(a *account) {
		o := a.oppByID[opportunityID]
		if o == nil || (reason != "" && !a.hasArchiveReason(reason)) {
			return
		}
		var prev *Archived
		if o.Archived != nil {
			c := *o.Archived
			prev = &c
		}
		a.setArchived(o, reason, acc.f.nowMillis())
		acc.f.archiveChangedLocked(a, o, prev) // webhook_delivery.go
		ok = true
	})
	return ok
}

// Files returns the files of one opportunity, with their bytes (resumes
// included, marked Resume).
func (acc *Account) Files(opportunityID string) []File {
	var out []File
	acc.locked(func(a *account) {
		for _, fl := range a.files[opportunityID] {
			out = append(out, *fl)
		}
	})
	return out
}

// Calls returns how many requests this account made to an endpoint label
// such as "POST /opportunities" (every authenticated request counts,
// including those answered 429 or with an injected fault).
func (acc *Account) Calls(endpoint string) int {
	n := 0
	acc.locked(func(a *account) { n = a.counters[endpoint] })
	return n
}

// Counters returns a copy of the account's per-endpoint counters.
func (acc *Account) Counters() map[string]int {
	out := map[string]int{}
	acc.locked(func(a *account) {
		for k, v := range a.counters {
			out[k] = v
		}
	})
	return out
}

// Revoke revokes the account's grant: every access and refresh token of the
// account stops working (API → 401, refresh → invalid_grant).
func (acc *Account) Revoke() { acc.f.Revoke(acc.ID) }

// Authorize grants the default client for the account's admin without the
// browser dance and returns the tokens (for tests and the local stack).
func (acc *Account) Authorize() Tokens {
	f := acc.f
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[acc.ID]
	return f.issueLocked(a.id, a.adminID, f.opts.ClientID, defaultScope, "")
}

// setArchived archives o with reason, or unarchives it when reason is ""
// (docs #update-opportunity-archived-state). Call with f.mu held.
func (a *account) setArchived(o *Opportunity, reason string, now int64) {
	switch {
	case reason == "":
		o.Archived = nil
	case o.Archived != nil:
		o.Archived.Reason = reason // "its archive reason can be changed"
	default:
		o.Archived = &Archived{Reason: reason, ArchivedAt: now}
	}
	o.UpdatedAt = now
}

func (a *account) hasArchiveReason(id string) bool {
	return slices.ContainsFunc(a.archiveReasons, func(r ArchiveReason) bool { return r.ID == id })
}

// confidential reports whether o is on a confidential posting: "If you are
// creating a confidential opportunity, you must provide a posting UID for a
// confidential job posting" (docs #create-an-opportunity).
func (a *account) confidential(o *Opportunity) bool {
	return slices.ContainsFunc(o.Postings, func(id string) bool {
		p := a.posting(id)
		return p != nil && p.Confidentiality == "confidential"
	})
}

// render returns o with the contact's fields filled in. Call with f.mu held.
func (a *account) render(o *Opportunity) Opportunity {
	out := *o
	if o.Archived != nil {
		ar := *o.Archived
		out.Archived = &ar
	}
	out.StageChanges = slices.Clone(o.StageChanges)
	out.Confidentiality = "non-confidential"
	if a.confidential(o) {
		out.Confidentiality = "confidential"
	}
	if c := a.contacts[o.Contact]; c != nil {
		out.Name, out.Headline, out.Location = c.Name, c.Headline, c.Location
		out.Emails = slices.Clone(c.Emails)
		out.Phones = slices.Clone(c.Phones)
		out.Links = slices.Clone(c.Links)
	}
	for _, p := range []*[]string{&out.Emails, &out.Links, &out.Tags, &out.Sources, &out.Followers, &out.Applications} {
		if *p == nil {
			*p = []string{}
		}
	}
	if out.Phones == nil {
		out.Phones = []Phone{}
	}
	if out.StageChanges == nil {
		out.StageChanges = []StageChange{}
	}
	return out
}

func (a *account) activeUser(id string) bool {
	for _, u := range a.users {
		if u.ID == id {
			return u.Active()
		}
	}
	return false
}

func (a *account) hasStage(id string) bool {
	return a.stageIndex(id) >= 0
}

func (a *account) stageIndex(id string) int {
	return slices.IndexFunc(a.stages, func(s Stage) bool { return s.ID == id })
}

func (a *account) posting(id string) *Posting {
	for _, p := range a.postings {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func canonEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "account"
	}
	return s
}
