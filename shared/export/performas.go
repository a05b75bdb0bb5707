package export

import (
	"context"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
)

// PerformAsMarker records that a company's perform-as user is deactivated
// in Lever (connection.Vault.MarkPerformAsInactive): the connection shows
// perform_as_inactive and work waits until it is repaired.
type PerformAsMarker interface {
	MarkPerformAsInactive(ctx context.Context, companyID, userID string) error
}

// UserGetter looks a Lever user up by id (lever.Client.GetUser): NotFound
// when there is none.
type UserGetter interface {
	GetUser(ctx context.Context, id string) (lever.User, error)
}

// performAsRetry is how long a job waiting for a perform-as user asks to
// wait (the queue redelivers it after its visibility timeout).
const performAsRetry = 5 * time.Minute

// errPerformAsWait is the retryable error of a job that waits for its
// company's perform-as user to be repaired.
func errPerformAsWait() error {
	e := apperr.E(apperr.Transient, "the Lever perform-as user is deactivated; waiting for PUT /connection/perform-as").WithReason(string(ReasonPerformAsInactive))
	e.RetryAfter = performAsRetry
	return e
}

// performAsRefused is the one rule for "did Lever refuse this write
// because the perform-as user is deactivated": Lever does not document its
// answer (LEVER.md Turn 2 ⚠️; the fake answers 400, an assumption), so any
// 400 or 403 to a write made as the perform-as user is followed by a look
// at the user (GET /users/:id). A deactivated or vanished user marks the
// connection perform_as_inactive and the job waits (errPerformAsWait);
// otherwise err is returned unchanged and fails as Lever said.
func (x *Exporter) performAsRefused(ctx context.Context, cli Lever, conn connection.Connection, err error) error {
	if err == nil || conn.PerformAsID == "" || x.PerformAs == nil ||
		!(apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Forbidden)) || apperr.As(err).Field != "" {
		return err
	}
	ug, ok := cli.(UserGetter)
	if !ok {
		return err
	}
	u, uerr := ug.GetUser(ctx, conn.PerformAsID)
	switch {
	case uerr == nil && u.Active():
		return err
	case uerr != nil && !apperr.Is(uerr, apperr.NotFound):
		return uerr // cannot tell now: retry later
	}
	if merr := x.PerformAs.MarkPerformAsInactive(ctx, conn.CompanyID, conn.PerformAsID); merr != nil {
		return merr
	}
	return errPerformAsWait()
}

// lever returns the connection's Lever client with its writes guarded by
// performAsRefused, so every write of a job (create, notes, stage) turns a
// refusal caused by a deactivated perform-as user into a wait.
func (x *Exporter) lever(ctx context.Context, conn connection.Connection) (Lever, error) {
	cli, err := x.Lever.Lever(ctx, conn)
	if err != nil || x.PerformAs == nil {
		return cli, err
	}
	return performAsGuard{Lever: cli, x: x, conn: conn}, nil
}

// performAsGuard is a Lever whose writes pass their errors through
// performAsRefused.
type performAsGuard struct {
	Lever
	x    *Exporter
	conn connection.Connection
}

func (g performAsGuard) CreateOpportunity(ctx context.Context, in lever.OpportunityInput) (lever.Opportunity, error) {
	o, err := g.Lever.CreateOpportunity(ctx, in)
	return o, g.x.performAsRefused(ctx, g.Lever, g.conn, err)
}

func (g performAsGuard) CreateNote(ctx context.Context, opportunityID string, in lever.NoteInput) (string, error) {
	id, err := g.Lever.CreateNote(ctx, opportunityID, in)
	return id, g.x.performAsRefused(ctx, g.Lever, g.conn, err)
}

func (g performAsGuard) ChangeStage(ctx context.Context, opportunityID, stageID string) error {
	return g.x.performAsRefused(ctx, g.Lever, g.conn, g.Lever.ChangeStage(ctx, opportunityID, stageID))
}
