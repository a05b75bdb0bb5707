package export_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/settings"
)

// The domain tests run the export package on the memory stores (which pass
// the same contract suites in shared/storetest as the DynamoDB adapter) and
// the fake Lever over real HTTP: no emulator needed.

const (
	company = "co-1"
	source  = "Marketplace"
)

// levers hands out a Lever client on the fake account's static token (what
// shared/leverclient builds from the vault), or fails as asked.
type levers struct {
	api, token, performAs string
	err                   error
}

func (l *levers) Lever(context.Context, connection.Connection) (export.Lever, error) {
	if l.err != nil {
		return nil, l.err
	}
	return lever.New(lever.Config{
		BaseURL: l.api, Tokens: lever.StaticToken(l.token), PerformAs: l.performAs,
		Retry: lever.RetryPolicy{MaxAttempts: 1},
	}), nil
}

// queued records what was enqueued, or fails as asked.
type queued struct {
	mu   sync.Mutex
	jobs []export.Job
	err  error
}

func (q *queued) Enqueue(_ context.Context, group, dedupID string, body []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	j, err := export.DecodeJob(body)
	if err != nil {
		return err
	}
	if group != j.GroupID() || dedupID != j.DedupID() {
		return errors.New("group or dedup id does not match the job")
	}
	q.jobs = append(q.jobs, j)
	return nil
}

func (q *queued) all() []export.Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]export.Job(nil), q.jobs...)
}

// reset forgets the jobs queued so far (by a test's preparation).
func (q *queued) reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = nil
}

// resumes answers Fetch with fixed data or an error.
type resumes struct {
	data []byte
	err  error
}

func (r resumes) Fetch(context.Context, string) ([]byte, string, error) {
	return r.data, "application/pdf", r.err
}

// env is one company's world: one fake Lever account with two published
// postings, the memory stores, and the exporter, intake and service on them.
type env struct {
	fake     *leverfake.TestServer
	account  *leverfake.Account
	postings []leverfake.Posting
	levers   *levers
	conns    *memstore.Connections
	sets     *memstore.Settings
	links    *memstore.Links
	cache    *memstore.Postings // the postings cache, holding e.postings as published
	exports  *memstore.Exports
	seen     *memstore.Events
	queue    *queued
	x        *export.Exporter
	intake   *export.Intake
	svc      *export.Service
	want     string // an id a scenario expects, set by its prepare
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fake := leverfake.Start(leverfake.Options{NoRateLimit: true})
	t.Cleanup(fake.Close)
	e := &env{fake: fake, account: fake.NewAccount("Acme")}
	for _, name := range []string{"Backend Engineer", "Data Engineer"} {
		e.postings = append(e.postings, e.account.AddPosting(leverfake.Posting{Text: name, State: "published"}))
	}
	e.levers = &levers{api: fake.Endpoints().APIBase, token: e.account.Authorize().AccessToken, performAs: e.account.AdminID()}
	e.conns, e.links, e.exports, e.seen, e.queue = memstore.NewConnections(), memstore.NewLinks(), memstore.NewExports(), memstore.NewEvents(), &queued{}
	e.sets = memstore.NewSettings()
	e.cache = memstore.NewPostings()
	for _, p := range e.postings {
		e.cachePosting(t, p.ID, p.State)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	e.x = &export.Exporter{
		Connections: e.conns, Links: e.links, Facts: memstore.NewFacts(e.conns, e.links, e.exports), Postings: e.cache, Markers: e.exports, Activities: e.exports, Contacts: e.exports, Lever: e.levers,
		Revoker: &connection.Vault{Store: e.conns, Links: e.links, Log: log}, Source: source, Settings: e.sets, Log: log,
	}
	e.intake = &export.Intake{Seen: e.seen, Facts: memstore.NewFacts(e.conns, e.links, e.exports), Links: e.links, Markers: e.exports, Queue: e.queue, Settings: e.sets, Log: log}
	e.svc = &export.Service{Connections: e.conns, Links: e.links, Facts: memstore.NewFacts(e.conns, e.links, e.exports), Markers: e.exports, Queue: e.queue, Settings: e.sets}
	e.setStatus(t, connection.Connected)
	e.link(t, "pos-1", e.postings[0].ID, link.ContactAccepted)
	return e
}

// cachePosting writes the posting into the company's postings cache in
// state (what the refresher last saw).
func (e *env) cachePosting(t *testing.T, id, state string) {
	t.Helper()
	if err := e.cache.Apply(context.Background(), company, []posting.Posting{{ID: id, Text: id, State: state}}, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// setStatus sets the company's connection status.
func (e *env) setStatus(t *testing.T, st connection.Status) {
	t.Helper()
	e.updateConn(t, func(c *connection.Connection) { c.Status = st })
}

// settings changes the company's connection.
func (e *env) updateConn(t *testing.T, fn func(*connection.Connection)) {
	t.Helper()
	if _, err := e.conns.Update(context.Background(), company, func(c *connection.Connection) error {
		fn(c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// companySettings changes the company's settings (as PUT /settings does).
func (e *env) companySettings(t *testing.T, fn func(*settings.Settings)) {
	t.Helper()
	if _, err := e.sets.Update(context.Background(), company, func(s *settings.Settings) error {
		fn(s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// link links a position to a posting.
func (e *env) link(t *testing.T, position, postingID string, trigger link.Trigger) {
	t.Helper()
	if _, err := e.links.Put(context.Background(), link.Link{CompanyID: company, PositionID: position, PostingID: postingID, Trigger: trigger}); err != nil {
		t.Fatal(err)
	}
}

// marker returns the candidate's marker (activity "" for its export).
func (e *env) marker(t *testing.T, candidateID, activity string) export.Marker {
	t.Helper()
	m, err := e.exports.Get(context.Background(), export.Key{CompanyID: company, CandidateID: candidateID, ActivityID: activity})
	if err != nil {
		t.Fatalf("marker %s/%s: %v", candidateID, activity, err)
	}
	return m
}

// noMarker fails when the candidate has a marker for activity.
func (e *env) noMarker(t *testing.T, candidateID, activity string) {
	t.Helper()
	if m, err := e.exports.Get(context.Background(), export.Key{CompanyID: company, CandidateID: candidateID, ActivityID: activity}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("marker %s/%s = %+v, %v; want none", candidateID, activity, m, err)
	}
}

// opps returns the account's opportunities.
func (e *env) opps() []leverfake.Opportunity { return e.account.Opportunities() }

// oppOf returns the one opportunity whose id is id.
func (e *env) oppOf(t *testing.T, id string) leverfake.Opportunity {
	t.Helper()
	for _, o := range e.opps() {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no opportunity %q in Lever (have %d)", id, len(e.opps()))
	return leverfake.Opportunity{}
}

// notes returns the texts of an opportunity's notes.
func (e *env) notes(oppID string) []string {
	var out []string
	for _, n := range e.account.Notes(oppID) {
		out = append(out, n.Text)
	}
	return out
}

// client is a Lever client on the account, to set Lever up as an earlier
// attempt or a recruiter would have.
func (e *env) client(t *testing.T) *lever.Client {
	t.Helper()
	cli, err := e.levers.Lever(context.Background(), connection.Connection{})
	if err != nil {
		t.Fatal(err)
	}
	return cli.(*lever.Client)
}

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// cand is a candidate with an email, a marketplace profile URL and consent.
func cand(id string) event.Candidate {
	return event.Candidate{
		ID: id, FirstName: "Ada", LastName: "Lovelace", Emails: []string{id + "@example.com"},
		ProfileURL: "https://market.example/c/" + id, Consent: &event.Consent{Granted: true},
	}
}

// exportJob is the export job intake queues for a contact_accepted event.
func exportJob(c event.Candidate, position string) export.Job {
	return export.Job{
		Kind: export.KindExport, CompanyID: company, CandidateID: c.ID, EventID: "evt-" + c.ID,
		EventType: event.ContactAccepted, PositionID: position, Origin: lever.OriginSourced, Candidate: &c,
	}
}

// msg is a message of the candidate's conversation.
func msg(id, direction string) event.Message {
	return event.Message{ID: id, Direction: direction, SentAt: t0, Body: "Hello from " + id}
}

// pushMsg and pushNote are push jobs.
func pushMsg(candidateID string, m event.Message) export.Job {
	return export.Job{Kind: export.KindPush, CompanyID: company, CandidateID: candidateID, EventID: "evt-" + m.ID, EventType: event.MessageCreated, Message: &m}
}

func pushNote(candidateID string, n event.Note) export.Job {
	return export.Job{Kind: export.KindPush, CompanyID: company, CandidateID: candidateID, EventID: "evt-" + n.ID, EventType: event.NoteCreated, Note: &n}
}

// wantCode fails unless err has code (nil for "").
func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if code == "" && err != nil || code != "" && apperr.CodeOf(err) != code {
		t.Fatalf("%s: error %v, want code %q", what, err, code)
	}
}

// runQueued runs every job queued so far, in order, and forgets them.
func (e *env) runQueued(t *testing.T) {
	t.Helper()
	for _, j := range e.queue.all() {
		if err := e.x.Run(context.Background(), j); err != nil {
			t.Fatalf("run %s: %v", j, err)
		}
	}
	e.queue.reset()
}
