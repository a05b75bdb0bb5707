package leverfake

import (
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const maxFileBytes = 30 << 20

func (f *Fake) listUsers(w http.ResponseWriter, r *http.Request, a *account) {
	q := r.URL.Query()
	email := canonEmail(q.Get("email"))
	all := q.Get("includeDeactivated") == "true"
	f.mu.Lock()
	var out []User
	for _, u := range a.users {
		if (email == "" || u.Email == email) && (all || u.Active()) {
			out = append(out, *u)
		}
	}
	f.mu.Unlock()
	pageOf(w, r, out)
}

func (f *Fake) getUser(w http.ResponseWriter, r *http.Request, a *account) {
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range a.users {
		if u.ID == id {
			writeData(w, http.StatusOK, *u)
			return
		}
	}
	notFound(w, "user", id)
}

func (f *Fake) listPostings(w http.ResponseWriter, r *http.Request, a *account) {
	q := r.URL.Query()
	states := q["state"]
	conf := q.Get("confidentiality")
	if conf != "" && conf != "all" && conf != "confidential" && conf != "non-confidential" {
		badRequest(w, "Invalid confidentiality")
		return
	}
	// "List requests for published postings will only return postings that
	// appear on your public job site … use the distributionChannel query
	// parameter to specify that you want … public and/or internal"
	// (docs #list-all-postings, Note). Other states are not filtered.
	channels := q["distributionChannel"]
	if len(channels) == 0 {
		channels = []string{"public"}
	}
	withContent := slices.Contains(q["include"], "content")
	f.mu.Lock()
	var out []Posting
	for _, p := range a.postings {
		if len(states) > 0 && !slices.Contains(states, p.State) {
			continue
		}
		if p.State == "published" && !slices.ContainsFunc(p.DistributionChannels, func(c string) bool { return slices.Contains(channels, c) }) {
			continue
		}
		switch conf {
		case "", "non-confidential":
			if p.Confidentiality == "confidential" {
				continue
			}
		case "confidential":
			if p.Confidentiality != "confidential" {
				continue
			}
		}
		cp := *p
		if !withContent {
			cp.Content = nil // "content (in lists only when include=content)" (docs #list-all-postings)
		}
		out = append(out, cp)
	}
	f.mu.Unlock()
	pageOf(w, r, out)
}

func (f *Fake) getPosting(w http.ResponseWriter, r *http.Request, a *account) {
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	// GET /postings/:id includes content (docs #retrieve-a-single-posting,
	// recorded posting-closed.json).
	if p := a.posting(id); p != nil {
		writeData(w, http.StatusOK, *p)
		return
	}
	notFound(w, "posting", id)
}

func (f *Fake) listStages(w http.ResponseWriter, r *http.Request, a *account) {
	f.mu.Lock()
	out := slices.Clone(a.stages)
	f.mu.Unlock()
	pageOf(w, r, out)
}

// createInput is the decoded body of POST /opportunities.
type createInput struct {
	Name                string          `json:"name"`
	Headline            string          `json:"headline"`
	Location            string          `json:"location"`
	Phones              []Phone         `json:"phones"`
	Emails              []string        `json:"emails"`
	Links               []string        `json:"links"`
	Tags                []string        `json:"tags"`
	Sources             []string        `json:"sources"`
	Origin              string          `json:"origin"`
	Owner               string          `json:"owner"`
	Followers           []string        `json:"followers"`
	Postings            []string        `json:"postings"`
	Stage               string          `json:"stage"`
	Contact             string          `json:"contact"`
	CreatedAt           int64           `json:"createdAt"`
	Archived            *createArchived `json:"archived"`
	OpportunityLocation string          `json:"opportunityLocation"`
	resume              *File
	encoding            string
}

// createArchived is the create's optional archived state (docs
// #create-an-opportunity "archived").
type createArchived struct {
	Reason     string `json:"reason"`
	ArchivedAt int64  `json:"archivedAt"`
}

var origins = []string{"agency", "applied", "internal", "referred", "sourced", "university"}

func (f *Fake) createOpportunity(w http.ResponseWriter, r *http.Request, a *account) {
	performAs := r.URL.Query().Get("perform_as")
	if performAs == "" {
		badRequest(w, "Missing perform_as parameter")
		return
	}
	in, msg := f.decodeCreate(r)
	if msg != "" {
		badRequest(w, msg)
		return
	}
	if len(in.Postings) > 1 {
		badRequest(w, "Only one posting can be specified")
		return
	}
	if in.Origin != "" && !slices.Contains(origins, in.Origin) {
		badRequest(w, "Invalid origin")
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.nowMillis()
	if !a.activeUser(performAs) {
		// Assumption (LEVER.md Turn 2 ⚠️: Lever does not document its
		// answer for a deactivated perform_as user): 400 BadRequestError,
		// as for a missing perform_as (#create-an-opportunity). The
		// exporter is safe under another answer: after any 400/403 to a
		// write it looks the user up (GET /users/:id) before deciding.
		badRequest(w, "perform_as must be an active user of the account")
		return
	}
	if in.CreatedAt > now {
		badRequest(w, "createdAt cannot be in the future")
		return
	}
	for _, p := range in.Postings {
		if a.posting(p) == nil {
			badRequest(w, "Invalid posting "+p)
			return
		}
	}
	stage := in.Stage
	if stage == "" {
		stage = "lead-new"
	}
	if !a.hasStage(stage) {
		stageNotFound(w, stage)
		return
	}
	owner := in.Owner
	if owner == "" {
		owner = performAs
	}
	if !a.activeUser(owner) {
		badRequest(w, "Invalid owner")
		return
	}
	followers := []string{performAs}
	for _, u := range in.Followers {
		if !a.activeUser(u) {
			badRequest(w, "Invalid follower "+u)
			return
		}
		if !slices.Contains(followers, u) {
			followers = append(followers, u)
		}
	}
	c, msg := f.contactFor(a, in)
	if msg != "" {
		// Lever does not document the answer for an unknown, deleted or
		// merged contact id (LEVER.md Turn 2 ⚠️). Assumption: 404
		// ResourceNotFound in the shape of the docs' stage example
		// (#responses-and-errors); the client accepts a 400 naming the
		// contact as well.
		writeError(w, http.StatusNotFound, "ResourceNotFound", msg)
		return
	}
	created := in.CreatedAt
	if created == 0 {
		created = now
	}
	// "The archive reason must be specified for an archived Opportunity (if
	// you just set the archivedAt we will ignore it). If you only specify an
	// archive reason, archivedAt defaults to the current datetime. If you
	// specify an archivedAt datetime, you must specify a createdAt datetime
	// that occurs before archivedAt." (docs #create-an-opportunity)
	var archived *Archived
	if in.Archived != nil && in.Archived.Reason != "" {
		if !a.hasArchiveReason(in.Archived.Reason) {
			notFound(w, "archive_reasons", in.Archived.Reason)
			return
		}
		archived = &Archived{Reason: in.Archived.Reason, ArchivedAt: now}
		if in.Archived.ArchivedAt != 0 {
			if in.CreatedAt == 0 || in.CreatedAt >= in.Archived.ArchivedAt {
				badRequest(w, "archivedAt requires a createdAt before it")
				return
			}
			archived.ArchivedAt = in.Archived.ArchivedAt
		}
	}
	o := &Opportunity{
		ID: f.newID(), Contact: c.ID, Tags: uniq(in.Tags), Sources: uniq(in.Sources),
		Origin: in.Origin, Stage: stage, Owner: owner, Followers: followers,
		Postings: slices.Clone(in.Postings), CreatedAt: created, UpdatedAt: now,
		LastInteractionAt: created, LastAdvancedAt: created,
		StageChanges: []StageChange{{ToStageID: stage, ToStageIndex: a.stageIndex(stage), UpdatedAt: created, UserID: performAs}},
		Encoding:     in.encoding,
	}
	if in.Origin == "sourced" { // recorded: a sourced opportunity carries sourcedBy
		o.SourcedBy = &performAs
	}
	if len(in.Postings) == 1 {
		o.Applications = []string{f.newID()}
	}
	o.URLs = OppURLs{List: f.opts.HireBase + "/candidates", Show: f.opts.HireBase + "/candidates/" + o.ID}
	a.opps = append(a.opps, o)
	a.oppByID[o.ID] = o
	o.Archived = archived
	if in.resume != nil {
		f.storeFileLocked(a, o.ID, in.resume)
	}
	writeData(w, http.StatusCreated, a.render(o))
}

// contactFor finds or creates the contact of a new opportunity: the contact
// parameter, else the contact owning one of the emails (Lever's dedupe,
// existing data wins), else a new one. Call with f.mu held.
func (f *Fake) contactFor(a *account, in createInput) (*Contact, string) {
	var c *Contact
	if in.Contact != "" {
		if c = a.contacts[in.Contact]; c == nil {
			return nil, "contacts " + in.Contact + " was not found"
		}
	}
	for _, e := range in.Emails {
		if c != nil {
			break
		}
		if id, ok := a.emailIndex[canonEmail(e)]; ok {
			c = a.contacts[id]
		}
	}
	if c == nil {
		c = &Contact{ID: f.newID(), Emails: []string{}, Phones: []Phone{}, Links: []string{}}
		a.contacts[c.ID] = c
	}
	if c.Name == "" {
		c.Name = in.Name
	}
	if c.Headline == "" {
		c.Headline = in.Headline
	}
	if c.Location == "" {
		c.Location = in.Location
	}
	for _, e := range in.Emails {
		e = canonEmail(e)
		if e != "" && !slices.Contains(c.Emails, e) {
			c.Emails = append(c.Emails, e)
			a.emailIndex[e] = c.ID
		}
	}
	for _, p := range in.Phones {
		if p.Value != "" && !slices.Contains(c.Phones, p) {
			c.Phones = append(c.Phones, p)
		}
	}
	for _, l := range in.Links {
		if l != "" && !slices.Contains(c.Links, l) {
			c.Links = append(c.Links, l)
		}
	}
	return c, ""
}

var phoneKey = regexp.MustCompile(`^phones\[(\d+)\]\[(type|value)\]$`)

// decodeCreate reads a JSON or multipart create body strictly: unknown
// fields are rejected so that client encoding mistakes show up in tests.
// It also records the multipart form for LastForm.
func (f *Fake) decodeCreate(r *http.Request) (createInput, string) {
	var in createInput
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		in.encoding = "json"
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return in, "Invalid JSON body: " + err.Error()
		}
		return in, ""
	case strings.HasPrefix(ct, "multipart/form-data"):
		in.encoding = "multipart"
		if err := r.ParseMultipartForm(maxFileBytes + 1<<20); err != nil {
			return in, "Invalid multipart body"
		}
		form := r.MultipartForm
		f.mu.Lock()
		f.lastForm = map[string][]string{}
		for k, v := range form.Value {
			f.lastForm[k] = slices.Clone(v)
		}
		f.mu.Unlock()
		phones := map[int]*Phone{}
		for k, vs := range form.Value {
			v := vs[len(vs)-1]
			switch k {
			case "name":
				in.Name = v
			case "headline":
				in.Headline = v
			case "location":
				in.Location = v
			case "origin":
				in.Origin = v
			case "owner":
				in.Owner = v
			case "stage":
				in.Stage = v
			case "contact":
				in.Contact = v
			case "opportunityLocation":
				in.OpportunityLocation = v
			case "archived[reason]":
				if in.Archived == nil {
					in.Archived = &createArchived{}
				}
				in.Archived.Reason = v
			case "archived[archivedAt]":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return in, "Invalid archived[archivedAt]"
				}
				if in.Archived == nil {
					in.Archived = &createArchived{}
				}
				in.Archived.ArchivedAt = n
			case "createdAt":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return in, "Invalid createdAt"
				}
				in.CreatedAt = n
			case "emails[]":
				in.Emails = vs
			case "links[]":
				in.Links = vs
			case "tags[]":
				in.Tags = vs
			case "sources[]":
				in.Sources = vs
			case "followers[]":
				in.Followers = vs
			case "postings[]":
				in.Postings = vs
			default:
				m := phoneKey.FindStringSubmatch(k)
				if m == nil {
					return in, "Unknown field " + k
				}
				i, _ := strconv.Atoi(m[1])
				if phones[i] == nil {
					phones[i] = &Phone{}
				}
				if m[2] == "type" {
					phones[i].Type = v
				} else {
					phones[i].Value = v
				}
			}
		}
		for i := 0; i < len(phones); i++ {
			p, ok := phones[i]
			if !ok {
				return in, "phones must be numbered from 0"
			}
			in.Phones = append(in.Phones, *p)
		}
		for k, fhs := range form.File {
			if k != "resumeFile" || len(fhs) != 1 {
				return in, "Unexpected file field " + k
			}
			fl, err := readPart(fhs[0])
			if err != nil {
				return in, "Unreadable resumeFile"
			}
			fl.Resume = true
			in.resume = fl
		}
		return in, ""
	}
	return in, "Content-Type must be application/json or multipart/form-data"
}

func readPart(fh *multipart.FileHeader) (*File, error) {
	rc, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return &File{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data, Size: int64(len(data))}, nil
}

// storeFileLocked attaches fl to an opportunity. Call with f.mu held.
func (f *Fake) storeFileLocked(a *account, oppID string, fl *File) {
	fl.ID = f.newID()
	fl.Ext = strings.TrimPrefix(path.Ext(fl.Name), ".")
	fl.UploadedAt = f.nowMillis()
	fl.Status = "processed"
	fl.DownloadURL = f.opts.HireBase + "/candidates/" + oppID + "/files/" + fl.ID + "/download"
	a.files[oppID] = append(a.files[oppID], fl)
}

// LastForm returns the multipart form values of the last multipart
// POST /opportunities, keyed as sent ("emails[]", "phones[0][type]", ...).
func (f *Fake) LastForm() map[string][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]string{}
	for k, v := range f.lastForm {
		out[k] = slices.Clone(v)
	}
	return out
}

// listOpportunities implements GET /opportunities with the filters of
// docs #list-all-opportunities: repeated parameters give the union;
// different parameters combine. "archived": unspecified → archived and
// active, true → archived only, false → active only. "email": contacts that
// contain the canonicalised email. "confidentiality" defaults to
// non-confidential. "posting_id": opportunities "applied to" the posting;
// "archived_posting_id": those whose application to it "was archived".
// Assumption (undocumented): an archived opportunity's application counts as
// archived, so posting_id matches live (unarchived) ones only and
// archived_posting_id the archived ones.
func (f *Fake) listOpportunities(w http.ResponseWriter, r *http.Request, a *account) {
	q := r.URL.Query()
	var emails []string
	for _, e := range q["email"] {
		emails = append(emails, canonEmail(e))
	}
	postings, archivedPostings, contacts, stages := q["posting_id"], q["archived_posting_id"], q["contact_id"], q["stage_id"]
	conf := q.Get("confidentiality")
	if conf != "" && conf != "all" && conf != "confidential" && conf != "non-confidential" {
		badRequest(w, "Invalid confidentiality")
		return
	}
	archived := q.Get("archived")
	if archived != "" && archived != "true" && archived != "false" {
		badRequest(w, "Invalid archived")
		return
	}
	f.mu.Lock()
	var out []Opportunity
	for _, o := range a.opps {
		secret := a.confidential(o)
		if (conf == "" || conf == "non-confidential") && secret || conf == "confidential" && !secret {
			continue
		}
		if archived == "true" && o.Archived == nil || archived == "false" && o.Archived != nil {
			continue
		}
		onPosting := func(ids []string) bool {
			return slices.ContainsFunc(o.Postings, func(p string) bool { return slices.Contains(ids, p) })
		}
		if len(postings) > 0 && (o.Archived != nil || !onPosting(postings)) {
			continue
		}
		if len(archivedPostings) > 0 && (o.Archived == nil || !onPosting(archivedPostings)) {
			continue
		}
		if len(contacts) > 0 && !slices.Contains(contacts, o.Contact) {
			continue
		}
		if len(stages) > 0 && !slices.Contains(stages, o.Stage) {
			continue
		}
		if len(emails) > 0 {
			c := a.contacts[o.Contact]
			if c == nil || !slices.ContainsFunc(c.Emails, func(e string) bool { return slices.Contains(emails, e) }) {
				continue
			}
		}
		out = append(out, a.render(o))
	}
	f.mu.Unlock()
	pageOf(w, r, out)
}

// setArchived implements PUT /opportunities/:id/archived {reason,
// cleanInterviews, requisitionId} (docs #update-opportunity-archived-state):
// a reason archives (or changes the reason of) the opportunity, null
// unarchives. The reason must be one of GET /archive_reasons; an unknown one
// is answered 404 ResourceNotFound like the docs' stage example
// (assumption). The answer is the opportunity, as the recorded PUT …/stage
// answer is (assumption: the docs show no example).
func (f *Fake) setArchived(w http.ResponseWriter, r *http.Request, a *account) {
	var in struct {
		Reason          *string `json:"reason"`
		CleanInterviews bool    `json:"cleanInterviews"`
		RequisitionID   string  `json:"requisitionId"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		badRequest(w, "Body must be {\"reason\": \"<archive reason id>\" | null}")
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	o := a.oppByID[id]
	if o == nil {
		notFound(w, "opportunity", id)
		return
	}
	if _, ok := checkPerformAs(w, r, a, false); !ok {
		return
	}
	reason := ""
	if in.Reason != nil {
		reason = *in.Reason
		if !a.hasArchiveReason(reason) {
			notFound(w, "archive_reasons", reason)
			return
		}
	}
	var prev *Archived
	if o.Archived != nil {
		c := *o.Archived
		prev = &c
	}
	a.setArchived(o, reason, f.nowMillis())
	f.archiveChangedLocked(a, o, prev) // webhook_delivery.go
	writeData(w, http.StatusOK, a.render(o))
}

// listArchiveReasons implements GET /archive_reasons?type=hired|non-hired
// (docs #list-all-archive-reasons).
func (f *Fake) listArchiveReasons(w http.ResponseWriter, r *http.Request, a *account) {
	typ := r.URL.Query().Get("type")
	f.mu.Lock()
	var out []ArchiveReason
	for _, ar := range a.archiveReasons {
		if typ == "" || ar.Type == typ {
			out = append(out, ar)
		}
	}
	f.mu.Unlock()
	pageOf(w, r, out)
}

// getArchiveReason implements GET /archive_reasons/:id
// (docs #retrieve-a-single-archive-reason).
func (f *Fake) getArchiveReason(w http.ResponseWriter, r *http.Request, a *account) {
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ar := range a.archiveReasons {
		if ar.ID == id {
			writeData(w, http.StatusOK, ar)
			return
		}
	}
	notFound(w, "archive_reasons", id)
}

func (f *Fake) getOpportunity(w http.ResponseWriter, r *http.Request, a *account) {
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	o := a.oppByID[id]
	if o == nil {
		notFound(w, "opportunity", id)
		return
	}
	writeData(w, http.StatusOK, a.render(o))
}

// checkPerformAs validates an optional perform_as. Call with f.mu held.
func checkPerformAs(w http.ResponseWriter, r *http.Request, a *account, required bool) (string, bool) {
	pa := r.URL.Query().Get("perform_as")
	if pa == "" {
		if required {
			badRequest(w, "Missing perform_as parameter")
			return "", false
		}
		return "", true
	}
	if !a.activeUser(pa) {
		// Assumption, as for POST /opportunities (see createOpportunity).
		badRequest(w, "perform_as must be an active user of the account")
		return "", false
	}
	return pa, true
}

func (f *Fake) createNote(w http.ResponseWriter, r *http.Request, a *account) {
	var in struct {
		Value           string `json:"value"`
		Secret          bool   `json:"secret"`
		Score           int    `json:"score"`
		NotifyFollowers bool   `json:"notifyFollowers"`
		CreatedAt       int64  `json:"createdAt"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		badRequest(w, "Invalid JSON body: "+err.Error())
		return
	}
	if strings.TrimSpace(in.Value) == "" {
		badRequest(w, "value is required")
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.oppByID[id] == nil {
		notFound(w, "opportunity", id)
		return
	}
	pa, ok := checkPerformAs(w, r, a, false)
	if !ok {
		return
	}
	now := f.nowMillis()
	if in.CreatedAt > now {
		badRequest(w, "createdAt cannot be in the future")
		return
	}
	if in.CreatedAt == 0 {
		in.CreatedAt = now
	}
	field := NoteField{Type: "note", Text: "Comment", Value: in.Value, CreatedAt: in.CreatedAt, Stage: a.oppByID[id].Stage}
	if pa != "" {
		field.User = &pa // "If unspecified, defaults to null" (docs #create-a-note)
	}
	if in.Score != 0 {
		if in.Score < 1 || in.Score > 4 {
			badRequest(w, "score must be an integer between 1 and 4")
			return
		}
		field.Score = &in.Score
	}
	// Deviation: Lever's docs put the form title ("Note") in text and the
	// body in fields[].value; the fake puts the body in both (same JSON
	// type) because tests outside this package read Text as the body.
	n := &Note{
		ID: f.newID(), Text: in.Value, User: pa, Secret: in.Secret, CreatedAt: in.CreatedAt,
		CompletedAt: &in.CreatedAt, Fields: []NoteField{field},
	}
	a.notes[id] = append(a.notes[id], n)
	a.oppByID[id].UpdatedAt = now
	writeData(w, http.StatusCreated, map[string]string{"noteId": n.ID})
}

func (f *Fake) listNotes(w http.ResponseWriter, r *http.Request, a *account) {
	listByOpportunity(f, w, r, a, func(id string) []*Note { return a.notes[id] })
}

// listByOpportunity pages out copies of what pick returns for the
// opportunity in the path, under the lock; 404 for an unknown opportunity.
func listByOpportunity[T any](f *Fake, w http.ResponseWriter, r *http.Request, a *account, pick func(id string) []*T) {
	id := r.PathValue("id")
	f.mu.Lock()
	if a.oppByID[id] == nil {
		f.mu.Unlock()
		notFound(w, "opportunity", id)
		return
	}
	var out []T
	for _, x := range pick(id) {
		out = append(out, *x)
	}
	f.mu.Unlock()
	pageOf(w, r, out)
}

func (f *Fake) uploadFile(w http.ResponseWriter, r *http.Request, a *account) {
	if r.URL.Query().Get("perform_as") == "" {
		badRequest(w, "Missing perform_as parameter")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFileBytes+1<<20)
	if err := r.ParseMultipartForm(maxFileBytes + 1<<20); err != nil {
		badRequest(w, "Invalid multipart body or file larger than 30MB")
		return
	}
	fhs := r.MultipartForm.File["file"]
	if len(fhs) != 1 {
		badRequest(w, "Exactly one file field named file is required")
		return
	}
	fl, err := readPart(fhs[0])
	if err != nil || len(fl.Data) > maxFileBytes {
		badRequest(w, "File is unreadable or larger than 30MB")
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.oppByID[id] == nil {
		notFound(w, "opportunity", id)
		return
	}
	if _, ok := checkPerformAs(w, r, a, true); !ok {
		return
	}
	f.storeFileLocked(a, id, fl)
	// The documented success response sends uploadedAt and size as strings
	// and ext with its dot (docs #upload-a-single-file).
	writeData(w, http.StatusCreated, fl.wire())
}

// listFiles lists the opportunity's files, not its resumes ("If you're
// looking specifically for the candidates' resumes see the Resumes
// endpoint", docs #files), in the documented string form (#list-all-files;
// the example omits the {data} envelope every list has per #lists — the
// fake keeps the envelope).
func (f *Fake) listFiles(w http.ResponseWriter, r *http.Request, a *account) {
	listByOpportunity(f, w, r, a, func(id string) []*fileJSON {
		var out []*fileJSON
		for _, fl := range a.files[id] {
			if !fl.Resume {
				wf := fl.wire()
				out = append(out, &wf)
			}
		}
		return out
	})
}

// listResumes lists the resumes of an opportunity: a resumeFile sent with
// the create becomes one (docs #create-an-opportunity "resumeFile",
// #list-all-resumes), with numbers as numbers and ext without a dot.
func (f *Fake) listResumes(w http.ResponseWriter, r *http.Request, a *account) {
	listByOpportunity(f, w, r, a, func(id string) []*resumeJSON {
		var out []*resumeJSON
		for _, fl := range a.files[id] {
			if fl.Resume {
				rj := fl.resume(id)
				out = append(out, &rj)
			}
		}
		return out
	})
}

func (f *Fake) changeStage(w http.ResponseWriter, r *http.Request, a *account) {
	var in struct {
		Stage string `json:"stage"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Stage == "" {
		badRequest(w, "Body must be {\"stage\": \"<stage id>\"}")
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	o := a.oppByID[id]
	if o == nil {
		notFound(w, "opportunity", id)
		return
	}
	if _, ok := checkPerformAs(w, r, a, false); !ok {
		return
	}
	if !a.hasStage(in.Stage) {
		stageNotFound(w, in.Stage)
		return
	}
	pa, _ := checkPerformAs(w, r, a, false)
	now := f.nowMillis()
	from := o.Stage
	o.Stage = in.Stage
	o.UpdatedAt, o.LastAdvancedAt = now, now
	o.StageChanges = append(o.StageChanges, StageChange{ToStageID: in.Stage, ToStageIndex: a.stageIndex(in.Stage), UpdatedAt: now, UserID: pa})
	f.stageChangedLocked(a, o, from) // webhook_delivery.go
	// The recorded PUT /opportunities/:id/stage answer is the whole
	// opportunity (opportunity-archived.json).
	writeData(w, http.StatusOK, a.render(o))
}

// stageNotFound answers an unknown stage id as Lever's documented example
// error: 404 {"code":"ResourceNotFound","message":"stages <id> was not
// found"} (docs #responses-and-errors).
func stageNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "ResourceNotFound", "stages "+id+" was not found")
}

func uniq(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
