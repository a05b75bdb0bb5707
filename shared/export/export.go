package export

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
)

// export runs an export job: Decide (ViaJob) on the company's current
// setup, then claim the candidate's marker, create or adopt the
// opportunity, confirm, and write the snapshot's history.
func (x *Exporter) export(ctx context.Context, j Job) error {
	key := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID}
	log := x.log().With("company_id", j.CompanyID, "candidate_id", j.CandidateID, "event_id", j.EventID, "job", "export")
	// The connection and the position's link in one read, fresh before
	// any Lever write.
	f, err := readFacts(ctx, x.Facts, FactsQuery{CompanyID: j.CompanyID, PositionID: j.PositionID})
	if err != nil {
		return err
	}
	conn := f.Conn
	in := Input{Via: ViaJob, Job: KindExport, Conn: conn, Event: j.EventType, Candidate: j.Candidate,
		PositionID: j.PositionID, PostingID: j.PostingID, AllowClosed: j.AllowClosed, Manual: j.Manual}
	if waitsOrActive(conn) {
		in.Link, in.LinkFound = f.Link, f.LinkFound
		// The posting named by the job may have closed since intake (or
		// the click): Decide checks it again on the cache as it is now.
		if in.PostingState, err = readPostingState(ctx, x.Postings, j.CompanyID, j.PostingID); err != nil {
			return err
		}
	}
	d, in, err := decideWithSettings(ctx, x.Settings, j.CompanyID, in)
	if err != nil {
		return err
	}
	switch d.Action {
	case Skip:
		log.InfoContext(ctx, "export skipped", "reason", d.Reason, "position_id", j.PositionID, "posting_id", j.PostingID)
		if j.PostingID != "" {
			return recordPostingSkip(ctx, x.Markers, key, x.now(), d.Reason, j.PostingID)
		}
		return x.skip(ctx, key, d.Reason, j.PositionID)
	case Wait:
		if d.Reason == ReasonPerformAsInactive {
			log.InfoContext(ctx, "export waits for a perform-as user", "reason", d.Reason)
			return errPerformAsWait()
		}
		log.InfoContext(ctx, "export not run", "action", d.Action.String(), "reason", d.Reason)
		return nil
	case Ignore: // not returned for a job that carries no marker
		log.InfoContext(ctx, "export not run", "action", d.Action.String(), "reason", d.Reason)
		return nil
	}
	postingID := in.Link.PostingID
	if j.PostingID != "" {
		postingID = j.PostingID // chosen at the moment of export, or named by the application: no link
	}

	claimID := newClaimID()
	m, claimed, err := x.claim(ctx, key, claimID)
	switch {
	case err != nil:
		return err
	case claimed == ClaimAlreadyExported:
		// Never exported twice, never moved to another posting; make sure
		// the history of that export was written.
		log.InfoContext(ctx, "candidate already exported", "opportunity_id", m.OpportunityID)
		return x.settle(ctx, key, "", x.ensureHistory(ctx, conn, m, j))
	case claimed == ClaimInProgress:
		return apperr.E(apperr.Transient, "another attempt holds the export claim").WithReason(string(ReasonInProgress))
	case claimed == ClaimErased:
		// Erased after the job was queued: Decide again on the tombstone
		// the claim returned (Skip erased); nothing is recorded or written.
		in.Marker, in.MarkerFound = m, true
		d := Decide(in)
		log.InfoContext(ctx, "export skipped", "reason", d.Reason)
		return nil
	}
	cli, err := x.lever(ctx, conn)
	if err != nil {
		return x.settle(ctx, key, claimID, err)
	}
	m, err = x.createOrAdopt(ctx, cli, conn, j, m, claimID, postingID, log)
	if err != nil {
		return x.settle(ctx, key, claimID, err)
	}
	return x.settle(ctx, key, "", x.ensureHistory(ctx, conn, m, j))
}

// createOrAdopt makes sure one opportunity exists for the candidate on the
// posting and confirms the marker. It looks in Lever first whenever it can
// (by email, or by the contact recorded for the LinkedIn URL): this both
// adopts the result of an earlier attempt whose confirmation was lost and
// keeps Lever from getting a second opportunity on the same posting for the
// same contact.
func (x *Exporter) createOrAdopt(ctx context.Context, cli Lever, conn connection.Connection, j Job, m Marker, claimID, postingID string, log *slog.Logger) (Marker, error) {
	c := *j.Candidate
	li := event.NormalizeLinkedIn(c.LinkedInURL)
	contactID := ""
	if li != "" {
		id, err := x.Contacts.ContactByLinkedIn(ctx, j.CompanyID, li)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return m, fmt.Errorf("linkedin index: %w", err)
		}
		contactID = id
	}
	opp, found, err := x.find(ctx, cli, conn, c, contactID, postingID)
	if err == nil && !found && m.Attempts > 1 && contactID == "" && len(c.Emails) == 0 && postingID != "" {
		// An earlier attempt may have created the opportunity and lost the
		// answer; without email nor a recorded contact, look for it on the
		// posting by the links we write (profile URL, LinkedIn URL).
		opp, found, err = x.findByLink(ctx, cli, conn, c, postingID)
	}
	if err != nil {
		return m, err
	}
	adopted := found
	dropped := "" // why the snapshot's resume was not attached
	if !found {
		owner := x.owner(ctx, cli, j.CompanyID, c.SourcedBy, log)
		origin := j.Origin
		if origin == "" {
			origin = lever.OriginSourced
			if j.EventType == event.Applied {
				origin = lever.OriginApplied
			}
		}
		in := opportunityInput(c, x.Source, origin, postingID, owner, contactID)
		in.Resume, dropped, err = x.resume(ctx, c, log)
		if err != nil {
			return m, err
		}
		opp, err = cli.CreateOpportunity(ctx, in)
		if err != nil && in.Contact != "" && lever.IsUnknownContact(err) {
			// The recorded contact was deleted or merged in Lever: nothing
			// was created; create once more without it (Lever then
			// dedupes the contact by email).
			log.WarnContext(ctx, "recorded Lever contact unknown; creating without it", "contact_id", in.Contact)
			in.Contact = ""
			opp, err = cli.CreateOpportunity(ctx, in)
		}
		if err != nil {
			return m, fmt.Errorf("create opportunity: %w", err)
		}
		m.StageID = in.Stage
	}
	if li != "" && opp.Contact != "" {
		if _, err := x.Contacts.PutLinkedIn(ctx, j.CompanyID, li, opp.Contact); err != nil {
			log.WarnContext(ctx, "record linkedin contact", "err", err)
		}
	}
	stage := m.StageID
	if adopted {
		stage = opp.Stage
	}
	origin := j.Origin
	m, err = x.Markers.Confirm(ctx, m.Key, claimID, x.now(), func(mk *Marker) {
		mk.PositionID, mk.PostingID = j.PositionID, postingID
		mk.ContactID, mk.OpportunityID, mk.LeverURL = opp.Contact, opp.ID, opp.URLs.Show
		mk.StageID, mk.Origin = stage, origin
		mk.Reason, mk.LastError = "", dropped
		mk.ResumeDropped = dropped != ""
		mk.ExportedAt = x.now()
	})
	if err != nil {
		return m, fmt.Errorf("confirm export: %w", err)
	}
	log.InfoContext(ctx, "candidate exported", "opportunity_id", opp.ID, "contact_id", opp.Contact, "posting_id", postingID, "adopted", adopted, "attempt", m.Attempts)
	return m, nil
}

// find looks for the candidate's active opportunity on the posting (or a
// general one when postingID is empty) by contact, then by every email of
// the snapshot at once (Lever returns the union of repeated email
// parameters). Lookups ask archived=false and, when the connection holds
// the confidential scope, confidentiality=all; an archived opportunity is
// skipped even if Lever ignored the filter, so a person whose only match
// is archived gets a new active opportunity (on the same contact: Lever
// dedupes contacts by email on create).
func (x *Exporter) find(ctx context.Context, cli Lever, conn connection.Connection, c event.Candidate, contactID, postingID string) (lever.Opportunity, bool, error) {
	var filters []lever.OppFilter
	if contactID != "" {
		filters = append(filters, lever.OppFilter{ContactID: contactID, PostingID: postingID})
	}
	if len(c.Emails) > 0 {
		filters = append(filters, lever.OppFilter{Emails: c.Emails, PostingID: postingID})
	}
	for _, f := range filters {
		f.Archived, f.Confidentiality = lever.OnlyActive, conn.Confidentiality()
		opps, err := cli.ListOpportunities(ctx, f)
		if err != nil {
			return lever.Opportunity{}, false, fmt.Errorf("look for an existing opportunity: %w", err)
		}
		if o, ok := adoptable(opps, postingID); ok {
			return o, true, nil
		}
	}
	return lever.Opportunity{}, false, nil
}

// adoptable is the one rule for which listed opportunity an export may
// adopt: the first active one; for a general export (postingID "") only
// one without application. Pure.
func adoptable(opps []lever.Opportunity, postingID string) (lever.Opportunity, bool) {
	for _, o := range opps {
		if !o.Active() {
			continue // never adopt or dedupe onto an archived opportunity
		}
		if postingID == "" && len(o.Applications) > 0 {
			continue // a general opportunity has no application
		}
		return o, true
	}
	return lever.Opportunity{}, false
}

// findByLink looks for the candidate's active opportunity on the posting
// among those carrying the candidate's marketplace profile URL or LinkedIn
// URL (for a retry of a candidate without email).
func (x *Exporter) findByLink(ctx context.Context, cli Lever, conn connection.Connection, c event.Candidate, postingID string) (lever.Opportunity, bool, error) {
	li := event.NormalizeLinkedIn(c.LinkedInURL)
	if c.ProfileURL == "" && li == "" {
		return lever.Opportunity{}, false, nil
	}
	opps, err := cli.ListOpportunities(ctx, lever.OppFilter{PostingID: postingID, Archived: lever.OnlyActive, Confidentiality: conn.Confidentiality()})
	if err != nil {
		return lever.Opportunity{}, false, fmt.Errorf("look for an existing opportunity by link: %w", err)
	}
	for _, o := range opps {
		if !o.Active() {
			continue
		}
		for _, l := range o.Links {
			if (c.ProfileURL != "" && l == c.ProfileURL) || (li != "" && event.NormalizeLinkedIn(l) == li) {
				return o, true, nil
			}
		}
	}
	return lever.Opportunity{}, false, nil
}

// owner maps sourcedBy to a Lever user id by email (cached 10 minutes); ""
// falls back to the perform-as user.
func (x *Exporter) owner(ctx context.Context, cli Lever, companyID string, p *event.Person, log *slog.Logger) string {
	if p == nil || p.Email == "" {
		return ""
	}
	k := companyID + "/" + strings.ToLower(p.Email)
	if v, ok := x.users.Load(k); ok && x.now().Before(v.(cachedUser).exp) {
		return v.(cachedUser).id
	}
	u, err := cli.UserByEmail(ctx, p.Email)
	id := ""
	switch {
	case err == nil && u.Active():
		id = u.ID
	case err != nil && !apperr.Is(err, apperr.NotFound):
		log.WarnContext(ctx, "look up sourcedBy user; using the perform-as user", "err", err)
		return ""
	}
	x.users.Store(k, cachedUser{id: id, exp: x.now().Add(10 * time.Minute)})
	return id
}

// resume returns the file to attach, nil when there is none. A resume URL
// that cannot be downloaded for good (host not allowed, private address,
// gone, refused, too large) does not hold the candidate back: it is
// exported without it and dropped says why, which the marker keeps
// (resumeDropped, lastError) so the vendor sees it. A temporary download
// failure is an error (the job is retried).
func (x *Exporter) resume(ctx context.Context, c event.Candidate, log *slog.Logger) (file *lever.Resume, dropped string, err error) {
	r := c.Resume
	if r == nil {
		return nil, "", nil
	}
	if r.ContentBase64 != "" {
		data, err := base64.StdEncoding.DecodeString(r.ContentBase64)
		if err != nil {
			return nil, "", apperr.InvalidField("candidate.resume.contentBase64", "is not valid base64")
		}
		return &lever.Resume{FileName: r.FileName, ContentType: r.ContentType, Data: data}, "", nil
	}
	if x.Resumes == nil {
		log.WarnContext(ctx, "resume url given but no resume hosts are configured; exporting without resume", "reason", ResumeDroppedError)
		return nil, ResumeDroppedError + ": no resume hosts are configured (RESUME_ALLOWED_HOSTS)", nil
	}
	data, ct, err := x.Resumes.Fetch(ctx, r.URL)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
		log.WarnContext(ctx, "resume not downloadable; exporting without resume", "reason", ResumeDroppedError, "code", string(apperr.CodeOf(err)), "err", err)
		msg := string(apperr.CodeOf(err))
		if e := apperr.As(err); e != nil && e.Message != "" {
			msg = e.Message
		}
		return nil, ResumeDroppedError + ": " + msg, nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("download resume: %w", err)
	}
	if r.ContentType != "" {
		ct = r.ContentType
	}
	return &lever.Resume{FileName: r.FileName, ContentType: ct, Data: data}, "", nil
}

// ResumeDroppedError starts the lastError of an export whose resume could
// not be attached (the view's resumeDropped is then true).
const ResumeDroppedError = "resume_not_attached"
