package export

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/link"
)

// Lever is what export and push jobs need from Lever, for one company.
// Errors follow the lever package: apperr Transient / RateLimited (retry),
// Invalid / Forbidden / NotFound (permanent), Unauthorized (auth).
type Lever interface {
	CreateOpportunity(ctx context.Context, in lever.OpportunityInput) (lever.Opportunity, error)
	ListOpportunities(ctx context.Context, f lever.OppFilter) ([]lever.Opportunity, error)
	GetOpportunity(ctx context.Context, id string) (lever.Opportunity, error)
	CreateNote(ctx context.Context, opportunityID string, in lever.NoteInput) (string, error)
	ListNotes(ctx context.Context, opportunityID string) ([]lever.Note, error)
	ChangeStage(ctx context.Context, opportunityID, stageID string) error
	UserByEmail(ctx context.Context, email string) (lever.User, error)
}

// LeverFactory returns the Lever client of a connection (tokens from the
// vault, perform_as the connection's user, paced by the company's bucket).
type LeverFactory interface {
	Lever(ctx context.Context, c connection.Connection) (Lever, error)
}

// ConnectionGetter reads a company's connection (apperr NotFound if none).
type ConnectionGetter interface {
	Get(ctx context.Context, companyID string) (connection.Connection, error)
}

// LinkGetter reads a position's link (apperr NotFound if not linked).
type LinkGetter interface {
	Get(ctx context.Context, companyID, positionID string) (link.Link, error)
}

// Revoker marks a connection revoked and removes its links.
type Revoker interface {
	Revoke(ctx context.Context, companyID, reason string) error
}

// ResumeFetcher downloads a resume URL (configured hosts only, bounded size
// and time). A disallowed host is apperr Invalid; network trouble Transient.
type ResumeFetcher interface {
	Fetch(ctx context.Context, url string) (data []byte, contentType string, err error)
}

// Skip and failure reasons recorded on markers and returned by the API.
const (
	ReasonAlreadyExported   = "already_exported"
	ReasonPositionNotLinked = "position_not_linked"
	ReasonNotConnected      = "not_connected"
	ReasonNoConsent         = "no_consent"
	ReasonRevoked           = "revoked"
	ReasonNotExported       = "not_exported"
	ReasonLeverRejected     = "lever_rejected"
	ReasonInvalidJob        = "invalid_job"
)

// Exporter runs export and push jobs with exactly-once visible effects in
// Lever under at-least-once delivery: every Lever write is claimed in the
// marker store first and confirmed after; a job that finds an unconfirmed
// earlier attempt looks in Lever first and adopts what it finds.
//
// Run returns nil when the job is done (exported, pushed, skipped, or failed
// permanently and recorded as failed); it returns an error, to be retried
// later, for transient trouble (429, 5xx, timeouts, a concurrent holder).
// Safe for concurrent use.
type Exporter struct {
	Connections ConnectionGetter
	Links       LinkGetter
	Markers     Store
	Contacts    ContactIndex
	Lever       LeverFactory
	Revoker     Revoker
	Resumes     ResumeFetcher // nil: only inline resumes
	Source      string        // the marketplace name, written as the Lever source
	StaleAfter  time.Duration // a claim older than this is abandoned (default 2m)
	Log         *slog.Logger
	Now         func() time.Time

	users sync.Map // company/email → cachedUser
}

type cachedUser struct {
	id  string
	exp time.Time
}

func (x *Exporter) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

func (x *Exporter) log() *slog.Logger {
	if x.Log != nil {
		return x.Log
	}
	return slog.Default()
}

func (x *Exporter) stale() time.Duration {
	if x.StaleAfter > 0 {
		return x.StaleAfter
	}
	return 2 * time.Minute
}

func newClaimID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Run executes one job (see Exporter).
func (x *Exporter) Run(ctx context.Context, j Job) error {
	switch j.Kind {
	case KindExport:
		return x.export(ctx, j)
	case KindPush:
		return x.push(ctx, j)
	}
	return apperr.InvalidField("kind", "unknown job kind %q", j.Kind)
}

// usableConnection returns the company's connection and, when it cannot be
// used, the skip reason (not_connected, revoked). Shared by intake and the
// exporter.
func usableConnection(ctx context.Context, conns ConnectionGetter, companyID string) (connection.Connection, string, error) {
	c, err := conns.Get(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) {
		return c, ReasonNotConnected, nil
	}
	if err != nil {
		return c, "", fmt.Errorf("read connection: %w", err)
	}
	switch c.Status {
	case connection.Connected:
		return c, "", nil
	case connection.Revoked:
		return c, ReasonRevoked, nil
	}
	return c, ReasonNotConnected, nil
}

func (x *Exporter) export(ctx context.Context, j Job) error {
	key := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID}
	log := x.log().With("company_id", j.CompanyID, "candidate_id", j.CandidateID, "event_id", j.EventID, "job", "export")
	conn, reason, err := usableConnection(ctx, x.Connections, j.CompanyID)
	if err != nil {
		return err
	}
	if reason != "" {
		log.InfoContext(ctx, "export skipped", "reason", reason)
		return x.skip(ctx, key, reason, j.PositionID)
	}
	if !conn.ExportBeforeConsent && !event.ConsentGiven(j.EventType, *j.Candidate) && !(j.Manual && j.Candidate.Consent != nil && j.Candidate.Consent.Granted) {
		log.InfoContext(ctx, "export skipped", "reason", ReasonNoConsent)
		return x.skip(ctx, key, ReasonNoConsent, j.PositionID)
	}
	postingID := ""
	if j.PositionID != "" {
		l, err := x.Links.Get(ctx, j.CompanyID, j.PositionID)
		if apperr.Is(err, apperr.NotFound) {
			log.InfoContext(ctx, "export skipped", "reason", ReasonPositionNotLinked, "position_id", j.PositionID)
			return x.skip(ctx, key, ReasonPositionNotLinked, j.PositionID)
		}
		if err != nil {
			return fmt.Errorf("read link: %w", err)
		}
		postingID = l.PostingID
	} else if !conn.AllowGeneralOpportunity {
		log.InfoContext(ctx, "export skipped", "reason", ReasonPositionNotLinked)
		return x.skip(ctx, key, ReasonPositionNotLinked, j.PositionID)
	}

	claimID := newClaimID()
	m, err := x.Markers.Claim(ctx, key, claimID, x.now(), x.stale())
	switch {
	case apperr.ReasonOf(err) == ReasonAlreadyExported:
		// Never exported twice, never moved to another posting; make sure
		// the history of that export was written.
		log.InfoContext(ctx, "candidate already exported", "opportunity_id", m.OpportunityID)
		return x.settle(ctx, key, "", x.ensureHistory(ctx, conn, m, j))
	case apperr.ReasonOf(err) == "in_progress":
		return apperr.E(apperr.Transient, "another attempt holds the export claim").WithReason("in_progress")
	case err != nil:
		return fmt.Errorf("claim export: %w", err)
	}
	cli, err := x.Lever.Lever(ctx, conn)
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
	opp, found, err := x.find(ctx, cli, c, contactID, postingID)
	if err == nil && !found && m.Attempts > 1 && contactID == "" && len(c.Emails) == 0 && postingID != "" {
		// An earlier attempt may have created the opportunity and lost the
		// answer; without email nor a recorded contact, look for it on the
		// posting by the links we write (profile URL, LinkedIn URL).
		opp, found, err = x.findByLink(ctx, cli, c, postingID)
	}
	if err != nil {
		return m, err
	}
	adopted := found
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
		in.Resume, err = x.resume(ctx, c, log)
		if err != nil {
			return m, err
		}
		opp, err = cli.CreateOpportunity(ctx, in)
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
		mk.Reason, mk.LastError = "", ""
		mk.ExportedAt = x.now()
	})
	if err != nil {
		return m, fmt.Errorf("confirm export: %w", err)
	}
	log.InfoContext(ctx, "candidate exported", "opportunity_id", opp.ID, "contact_id", opp.Contact, "posting_id", postingID, "adopted", adopted, "attempt", m.Attempts)
	return m, nil
}

// find looks for the candidate's opportunity on the posting (or a general
// one when postingID is empty) by contact, then by each email.
func (x *Exporter) find(ctx context.Context, cli Lever, c event.Candidate, contactID, postingID string) (lever.Opportunity, bool, error) {
	var filters []lever.OppFilter
	if contactID != "" {
		filters = append(filters, lever.OppFilter{ContactID: contactID, PostingID: postingID})
	}
	for _, e := range c.Emails {
		filters = append(filters, lever.OppFilter{Email: e, PostingID: postingID})
		break // Lever matches contacts by any of their emails; one is enough
	}
	for _, f := range filters {
		opps, err := cli.ListOpportunities(ctx, f)
		if err != nil {
			return lever.Opportunity{}, false, fmt.Errorf("look for an existing opportunity: %w", err)
		}
		for _, o := range opps {
			if postingID == "" && len(o.Applications) > 0 {
				continue // a general opportunity has no application
			}
			return o, true, nil
		}
	}
	return lever.Opportunity{}, false, nil
}

// findByLink looks for the candidate's opportunity on the posting among
// those carrying the candidate's marketplace profile URL or LinkedIn URL
// (for a retry of a candidate without email).
func (x *Exporter) findByLink(ctx context.Context, cli Lever, c event.Candidate, postingID string) (lever.Opportunity, bool, error) {
	li := event.NormalizeLinkedIn(c.LinkedInURL)
	if c.ProfileURL == "" && li == "" {
		return lever.Opportunity{}, false, nil
	}
	opps, err := cli.ListOpportunities(ctx, lever.OppFilter{PostingID: postingID})
	if err != nil {
		return lever.Opportunity{}, false, fmt.Errorf("look for an existing opportunity by link: %w", err)
	}
	for _, o := range opps {
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

// resume returns the file to attach, nil when there is none. A URL from a
// host that is not allowed is exported without the resume (and logged).
func (x *Exporter) resume(ctx context.Context, c event.Candidate, log *slog.Logger) (*lever.Resume, error) {
	r := c.Resume
	if r == nil {
		return nil, nil
	}
	if r.ContentBase64 != "" {
		data, err := base64.StdEncoding.DecodeString(r.ContentBase64)
		if err != nil {
			return nil, apperr.InvalidField("candidate.resume.contentBase64", "is not valid base64")
		}
		return &lever.Resume{FileName: r.FileName, ContentType: r.ContentType, Data: data}, nil
	}
	if x.Resumes == nil {
		log.WarnContext(ctx, "resume url given but no resume hosts are configured; exporting without resume")
		return nil, nil
	}
	data, ct, err := x.Resumes.Fetch(ctx, r.URL)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
		log.WarnContext(ctx, "resume not downloadable; exporting without resume", "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("download resume: %w", err)
	}
	if r.ContentType != "" {
		ct = r.ContentType
	}
	return &lever.Resume{FileName: r.FileName, ContentType: ct, Data: data}, nil
}

// ensureHistory writes the snapshot's messages and notes as one note on the
// exported opportunity, once, and records each included activity as pushed
// so a later push of the same message or note is not written again.
func (x *Exporter) ensureHistory(ctx context.Context, conn connection.Connection, m Marker, j Job) error {
	c := j.Candidate
	if c == nil || (len(c.Messages) == 0 && len(c.Notes) == 0) || m.OpportunityID == "" {
		return nil
	}
	hk := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID, ActivityID: "history"}
	if cur, err := x.Markers.Get(ctx, hk); err != nil || cur.State != Exported {
		cli, err := x.Lever.Lever(ctx, conn)
		if err != nil {
			return err
		}
		if err := x.writeNote(ctx, cli, hk, m.OpportunityID, historyNote(*c, x.Source)); err != nil {
			return err
		}
	}
	// Record every activity of the history as pushed, also when the history
	// note was written by an earlier attempt that crashed before recording
	// them: otherwise a later push of one of them would write it again.
	now := x.now()
	var ids []string
	for _, msg := range c.Messages {
		ids = append(ids, "message:"+msg.ID)
	}
	for _, n := range c.Notes {
		ids = append(ids, "note:"+n.ID)
	}
	// One conditional write each (no claim needed: nothing is written to
	// Lever for them); a marker already exported, or held by a push, stays.
	for _, id := range ids {
		k := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID, ActivityID: id}
		if _, err := x.Markers.Record(ctx, k, now, m.OpportunityID, "", "in_history"); err != nil {
			return fmt.Errorf("record history activity: %w", err)
		}
	}
	return nil
}

// writeNote claims the activity, writes the note (looking for it first on a
// retry) and confirms. An activity already written is a no-op.
func (x *Exporter) writeNote(ctx context.Context, cli Lever, k Key, opportunityID, text string) error {
	claimID := newClaimID()
	m, err := x.Markers.Claim(ctx, k, claimID, x.now(), x.stale())
	switch {
	case apperr.ReasonOf(err) == ReasonAlreadyExported:
		return nil
	case apperr.ReasonOf(err) == "in_progress":
		return apperr.E(apperr.Transient, "another attempt holds the %s claim", k.ActivityID).WithReason("in_progress")
	case err != nil:
		return fmt.Errorf("claim %s: %w", k.ActivityID, err)
	}
	noteID := ""
	if m.Attempts > 1 {
		notes, err := cli.ListNotes(ctx, opportunityID)
		if err != nil {
			return x.release(ctx, k, claimID, fmt.Errorf("look for note %s: %w", k.ActivityID, err))
		}
		r := ref(k.CandidateID, k.ActivityID)
		for _, n := range notes {
			if strings.Contains(n.Body(), r) {
				noteID = n.ID
				break
			}
		}
	}
	if noteID == "" {
		noteID, err = cli.CreateNote(ctx, opportunityID, lever.NoteInput{Value: text})
		if err != nil {
			return x.settle(ctx, k, claimID, fmt.Errorf("create note %s: %w", k.ActivityID, err))
		}
	}
	if _, err := x.Markers.Confirm(ctx, k, claimID, x.now(), func(mk *Marker) {
		mk.OpportunityID, mk.NoteID = opportunityID, noteID
	}); err != nil {
		return fmt.Errorf("confirm %s: %w", k.ActivityID, err)
	}
	return nil
}

func (x *Exporter) push(ctx context.Context, j Job) error {
	ak := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID, ActivityID: j.ActivityID()}
	log := x.log().With("company_id", j.CompanyID, "candidate_id", j.CandidateID, "event_id", j.EventID, "job", "push", "activity_id", ak.ActivityID)
	conn, reason, err := usableConnection(ctx, x.Connections, j.CompanyID)
	if err != nil {
		return err
	}
	if reason != "" {
		log.InfoContext(ctx, "push skipped", "reason", reason)
		return x.skip(ctx, ak, reason, "")
	}
	m, err := x.Markers.Get(ctx, Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID})
	if apperr.Is(err, apperr.NotFound) || (err == nil && m.State != Exported && m.State != Exporting) {
		log.InfoContext(ctx, "push skipped", "reason", ReasonNotExported)
		return x.skip(ctx, ak, ReasonNotExported, "")
	}
	if err != nil {
		return fmt.Errorf("read export marker: %w", err)
	}
	if m.State == Exporting {
		return apperr.E(apperr.Transient, "the candidate's export is not confirmed yet").WithReason("export_in_progress")
	}
	if m.PositionID != "" {
		if _, err := x.Links.Get(ctx, j.CompanyID, m.PositionID); apperr.Is(err, apperr.NotFound) {
			log.InfoContext(ctx, "push skipped", "reason", ReasonPositionNotLinked, "position_id", m.PositionID)
			return x.skip(ctx, ak, ReasonPositionNotLinked, "")
		} else if err != nil {
			return fmt.Errorf("read link: %w", err)
		}
	}
	cli, err := x.Lever.Lever(ctx, conn)
	if err != nil {
		return x.settle(ctx, ak, "", err)
	}
	var text string
	if j.Message != nil {
		text = messageNote(j.CandidateID, *j.Message, x.Source)
	} else {
		text = teamNote(j.CandidateID, *j.Note, x.Source)
	}
	if err := x.writeNote(ctx, cli, ak, m.OpportunityID, text); err != nil {
		return x.settle(ctx, ak, "", err)
	}
	log.InfoContext(ctx, "activity pushed", "opportunity_id", m.OpportunityID)
	if j.Message != nil {
		return x.settle(ctx, ak, "", x.progress(ctx, cli, m, stageFor([]event.Message{*j.Message})))
	}
	return nil
}

// progress moves the opportunity forward to target (a lead stage) if it is
// behind it in Lever; never backward, once per stage.
func (x *Exporter) progress(ctx context.Context, cli Lever, m Marker, target string) error {
	if target == "" || stageRank(m.StageID) >= stageRank(target) {
		return nil
	}
	later := []string{StageResponded}
	if target == StageResponded {
		later = nil
	}
	for _, s := range append(later, target) {
		k := Key{CompanyID: m.CompanyID, CandidateID: m.CandidateID, ActivityID: "stage:" + s}
		if cur, err := x.Markers.Get(ctx, k); err == nil && cur.State == Exported {
			return nil // already at (or past) target
		}
	}
	k := Key{CompanyID: m.CompanyID, CandidateID: m.CandidateID, ActivityID: "stage:" + target}
	claimID := newClaimID()
	if _, err := x.Markers.Claim(ctx, k, claimID, x.now(), x.stale()); err != nil {
		if apperr.ReasonOf(err) == ReasonAlreadyExported {
			return nil
		}
		return err
	}
	opp, err := cli.GetOpportunity(ctx, m.OpportunityID)
	if err != nil {
		return x.release(ctx, k, claimID, fmt.Errorf("read opportunity stage: %w", err))
	}
	if stageRank(opp.Stage) < stageRank(target) {
		if err := cli.ChangeStage(ctx, m.OpportunityID, target); err != nil {
			return x.settle(ctx, k, claimID, fmt.Errorf("change stage: %w", err))
		}
	}
	_, err = x.Markers.Confirm(ctx, k, claimID, x.now(), func(mk *Marker) { mk.OpportunityID, mk.StageID = m.OpportunityID, target })
	return err
}

func (x *Exporter) skip(ctx context.Context, k Key, reason, positionID string) error {
	return recordSkip(ctx, x.Markers, k, x.now(), reason, positionID)
}

// recordSkip records a skip on k; an exported or claimed marker (Conflict)
// is left alone. Shared by intake and the exporter.
func recordSkip(ctx context.Context, markers Store, k Key, now time.Time, reason, positionID string) error {
	if err := markers.Skip(ctx, k, now, reason, positionID); err != nil && !apperr.Is(err, apperr.Conflict) {
		return fmt.Errorf("record skip: %w", err)
	}
	return nil
}

func (x *Exporter) release(ctx context.Context, k Key, claimID string, cause error) error {
	if rerr := x.Markers.Release(ctx, k, claimID, x.now(), safeError(cause)); rerr != nil && !apperr.Is(rerr, apperr.Conflict) {
		x.log().WarnContext(ctx, "release claim", "company_id", k.CompanyID, "candidate_id", k.CandidateID, "activity_id", k.ActivityID, "err", rerr)
	}
	return cause
}

// settle decides a job's fate from err (DESIGN §4): nil is done; transient
// trouble releases the claim (outcome unknown) and returns the error for a
// retry; auth trouble revokes the connection and skips; anything Lever or
// validation rejects is recorded as failed and acknowledged. claimID is ""
// when no claim is held (the inner step settled its own).
func (x *Exporter) settle(ctx context.Context, k Key, claimID string, err error) error {
	if err == nil {
		return nil
	}
	log := x.log().With("company_id", k.CompanyID, "candidate_id", k.CandidateID, "activity_id", k.ActivityID)
	switch code := apperr.CodeOf(err); {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		code == apperr.Transient || code == apperr.RateLimited || code == apperr.Conflict || code == apperr.Internal:
		if claimID != "" {
			return x.release(ctx, k, claimID, err)
		}
		return err
	case code == apperr.Unauthorized:
		reason := apperr.ReasonOf(err)
		if reason == "token_rejected" || reason == "invalid_grant" {
			if rerr := x.Revoker.Revoke(ctx, k.CompanyID, connection.ReasonLeverRevoked); rerr != nil {
				return x.release(ctx, k, claimID, rerr)
			}
		}
		log.WarnContext(ctx, "job skipped: Lever access revoked", "reason", reason)
		if claimID != "" {
			if ferr := x.Markers.Finish(ctx, k, claimID, x.now(), Skipped, ReasonRevoked, "Lever access revoked"); ferr != nil && !apperr.Is(ferr, apperr.Conflict) {
				return ferr
			}
			return nil
		}
		return x.skip(ctx, k, ReasonRevoked, "")
	default: // Invalid, Forbidden, NotFound: Lever or validation said no.
		reason := ReasonLeverRejected
		if code == apperr.Invalid && strings.HasPrefix(apperr.As(err).Field, "candidate") {
			reason = ReasonInvalidJob
		}
		log.ErrorContext(ctx, "job failed permanently", "reason", reason, "err", err)
		if claimID == "" {
			claim := newClaimID()
			if _, cerr := x.Markers.Claim(ctx, k, claim, x.now(), 0); cerr != nil {
				return nil // exported meanwhile, or held: nothing to record
			}
			claimID = claim
		}
		if ferr := x.Markers.Finish(ctx, k, claimID, x.now(), Failed, reason, safeError(err)); ferr != nil && !apperr.Is(ferr, apperr.Conflict) {
			return ferr
		}
		return nil
	}
}

// safeError is a short description of err for a marker: the application
// error's code, field and message, never the wrapped causes.
func safeError(err error) string {
	if e := apperr.As(err); e != nil {
		s := string(e.Code)
		if e.Field != "" {
			s += " " + e.Field
		}
		if e.Message != "" {
			s += ": " + e.Message
		}
		if len(s) > 300 {
			s = s[:300]
		}
		return s
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "transient: timed out"
	}
	return "internal error"
}

// Reject records a job that can never succeed (a malformed body) as failed
// for its candidate, with the validation error, so it is visible in the
// failed list instead of blocking its message group.
func (x *Exporter) Reject(ctx context.Context, k Key, cause error) error {
	return x.settle(ctx, k, "", cause)
}
