package export

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
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
type ConnectionGetter = connection.Getter

// LinkGetter reads a position's link (apperr NotFound if not linked).
type LinkGetter interface {
	Get(ctx context.Context, companyID, positionID string) (link.Link, error)
}

// AuthFailures applies the connection's rule for an authentication
// failure (connection.Vault.HandleAuthFailure): it revokes the connection
// when Lever refused the grant and returns the reason to skip with; ok is
// false when err is not an authentication failure.
type AuthFailures interface {
	HandleAuthFailure(ctx context.Context, companyID string, err error) (reason string, ok bool, rerr error)
}

// ResumeFetcher downloads a resume URL (configured hosts only, bounded size
// and time). A disallowed host is apperr Invalid; network trouble Transient.
type ResumeFetcher interface {
	Fetch(ctx context.Context, url string) (data []byte, contentType string, err error)
}

// Exporter runs export and push jobs with exactly-once visible effects in
// Lever under at-least-once delivery: every Lever write is claimed in the
// marker store first and confirmed after; a job that finds an unconfirmed
// earlier attempt looks in Lever first and adopts what it finds. Whether a
// job may run is Decide's answer (ViaJob); how it ended is its JobOutcome
// (outcome.go).
//
// Run returns nil when the job is done (exported, pushed, skipped, or failed
// permanently and recorded as failed); it returns an error, to be retried
// later, for transient trouble (429, 5xx, timeouts, a concurrent holder).
// Safe for concurrent use.
//
// Files: export.go (the export job), history.go (the history note and
// note writes), push.go (push jobs), stage.go (stage progression),
// outcome.go (outcomes, skips and failures).
type Exporter struct {
	Connections ConnectionGetter
	Links       LinkGetter
	// Facts reads an export job's connection and link in one request.
	Facts FactsReader
	// Postings reads the company's cached postings: a job to a posting
	// chosen at the moment of export, or named by an application, checks
	// that it is still open (nil: such jobs skip posting_not_found).
	Postings   PostingGetter
	Markers    Store
	Activities ActivityStore  // the candidate's pending activity markers (recordInHistory); required
	Settings   SettingsGetter // nil: the defaults (no general opportunity, the consent gate)
	Contacts   ContactIndex
	Lever      LeverFactory
	Revoker    AuthFailures
	PerformAs  PerformAsMarker // nil: a deactivated perform-as user fails jobs as Lever answers
	Resumes    ResumeFetcher   // nil: only inline resumes
	Budget     Budget          // nil: no admission (Admit answers at once; calls wait on the bucket)
	Source     string          // the marketplace name, written as the Lever source
	StaleAfter time.Duration   // a claim older than this is abandoned (default 2m)
	Log        *slog.Logger
	Now        func() time.Time

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
