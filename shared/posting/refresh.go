package posting

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/link"
)

// Lever is what refreshing needs from Lever: one page of postings.
type Lever interface {
	PostingsPage(ctx context.Context, p lever.PostingsParams, offset string) (lever.Page[lever.Posting], error)
}

// LeverFactory returns the Lever client of a connection.
type LeverFactory interface {
	PostingsLever(ctx context.Context, c connection.Connection) (Lever, error)
}

// Connections reads connections and pages through the active ones.
type Connections interface {
	Get(ctx context.Context, companyID string) (connection.Connection, error)
	ListActive(ctx context.Context, cursor string, limit int) ([]string, string, error)
}

// LinkFlagger lists a company's links and flags those whose posting closed
// or disappeared.
type LinkFlagger interface {
	List(ctx context.Context, companyID string) ([]link.Link, error)
	SetFlags(ctx context.Context, companyID string, flags map[string]link.Flag) (int, error)
}

// AuthFailures applies the connection's rule for an authentication
// failure (connection.Vault.HandleAuthFailure): it revokes the connection
// when Lever refused the grant and returns the reason to skip with; ok is
// false when err is not an authentication failure.
type AuthFailures interface {
	HandleAuthFailure(ctx context.Context, companyID string, err error) (reason string, ok bool, rerr error)
}

// TokenKeeper refreshes a company's Lever tokens when they were issued
// longer than maxAge ago (0: its default, under a day), reporting whether
// it did (connection.Vault.KeepFresh). Errors as the vault's.
type TokenKeeper interface {
	KeepFresh(ctx context.Context, companyID string, maxAge time.Duration) (bool, error)
}

// AsyncInvoker hands a refresh request (EncodeRefreshRequest) to the
// refresher function as one asynchronous invocation: nil once accepted,
// the refresh runs (and is retried) later. shared/lambdainvoke implements
// it for AWS Lambda (InvocationType Event) and in-process for the local
// stack. Errors: apperr Transient when the request could not be handed
// over now, Internal for a deployment fault (no such function, no grant).
// Implementations are safe for concurrent use.
type AsyncInvoker interface {
	InvokeAsync(ctx context.Context, payload []byte) error
}

var _ connection.RefreshEnqueuer = (*Refresher)(nil)

// Refresher keeps every company's postings cache in step with Lever. Lever
// sends no posting webhooks, so leverlink polls: a schedule fans out
// refresh requests (FanOut), a few companies each, to the refresher
// function, which refreshes each request's companies. Safe for concurrent
// use.
type Refresher struct {
	Connections Connections
	Postings    Store
	Lease       RefreshLease
	Links       LinkFlagger
	Lever       LeverFactory
	Revoker     AuthFailures
	Tokens      TokenKeeper // nil: tokens are refreshed only when they expire
	// Invoker hands refresh requests to the refresher function (FanOut,
	// EnqueueRefresh); nil: both fail with apperr Internal.
	Invoker AsyncInvoker
	// Settings says whether a company announces internal-only postings
	// (nil: public postings only).
	Settings AnnounceSettings
	// Contents holds content larger than MaxInlineContent (nil: such
	// content is dropped and the posting marked ContentOmitted too_large).
	Contents ContentStore
	LeaseTTL time.Duration // default 2m
	Log      *slog.Logger
	Now      func() time.Time
}

func (r *Refresher) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Refresher) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// The fan-out's bounds (docs/architecture.md, "Refreshing postings"): a
// schedule starts at most MaxFanOutInvocations refresh requests at once
// while each holds at most MaxRequestCompanies companies, and none holds
// fewer than MinRequestCompanies unless there are not that many.
const (
	MaxFanOutInvocations = 3
	MinRequestCompanies  = 10
)

// RequestChunks splits the ids to refresh into refresh requests: as few
// requests as the bounds allow beyond MaxFanOutInvocations, so that a
// schedule never occupies more of the account's Lambda concurrency than
// that however many companies are connected (up to
// MaxFanOutInvocations × MaxRequestCompanies; past that, more requests of
// MaxRequestCompanies each). Order is kept; no chunk is empty.
func RequestChunks(ids []string) [][]string {
	if len(ids) == 0 {
		return nil
	}
	n := min(MaxFanOutInvocations, ceilDiv(len(ids), MinRequestCompanies))
	n = max(n, ceilDiv(len(ids), MaxRequestCompanies))
	size := ceilDiv(len(ids), n)
	var out [][]string
	for i := 0; i < len(ids); i += size {
		out = append(out, ids[i:min(i+size, len(ids))])
	}
	return out
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// FanOut asks for every connected company's refresh: it pages through all
// connections and hands them to the refresher function in RequestChunks
// requests. It returns how many companies it asked for; on an error, the
// requests already handed over stand.
func (r *Refresher) FanOut(ctx context.Context) (int, error) {
	var ids []string
	cursor := ""
	for {
		page, next, err := r.Connections.ListActive(ctx, cursor, 500)
		if err != nil {
			return 0, fmt.Errorf("fan-out: list connections: %w", err)
		}
		ids = append(ids, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	at := r.now()
	n, chunks := 0, RequestChunks(ids)
	for _, chunk := range chunks {
		if err := r.request(ctx, chunk, at); err != nil {
			return n, fmt.Errorf("fan-out: %w", err)
		}
		n += len(chunk)
	}
	r.log().InfoContext(ctx, "postings refresh fanned out", "companies", n, "requests", len(chunks))
	return n, nil
}

// EnqueueRefresh asks for one company's refresh (after a connect): one
// refresh request, run asynchronously. Errors as AsyncInvoker's.
func (r *Refresher) EnqueueRefresh(ctx context.Context, companyID string) error {
	return r.request(ctx, []string{companyID}, r.now())
}

// request hands one refresh request to the Invoker.
func (r *Refresher) request(ctx context.Context, ids []string, at time.Time) error {
	if r.Invoker == nil {
		return apperr.E(apperr.Internal, "no refresher function configured for refresh requests")
	}
	if err := r.Invoker.InvokeAsync(ctx, EncodeRefreshRequest(ids, at)); err != nil {
		return fmt.Errorf("request refresh of %d companies: %w", len(ids), err)
	}
	return nil
}

// Result reports one company's refresh.
type Result struct {
	CompanyID string `json:"companyId"`
	Fetched   int    `json:"fetched"`
	Written   int    `json:"written"`
	Deleted   int    `json:"deleted"`
	Flagged   int    `json:"linksChanged"`
	Pages     int    `json:"pages"`
	Announced int    `json:"announced"`         // posting changes announced (written with the cache)
	Skipped   string `json:"skipped,omitempty"` // not_connected, revoked, reauth_required, in_progress; joined (Reload, RefreshSince)
}

// Refresh pulls every posting of every state from Lever for one company,
// writes only those that changed (each with the change Changes announces
// for it, which becomes its posting.* event), deletes those gone, records
// refreshedAt and flags links whose posting is closed or gone. Concurrent refreshes of
// one company collapse: one holds the lease, the others return Skipped
// in_progress (Reload waits for it instead). A refused grant revokes the
// connection (Skipped revoked, nil error). Other errors are returned
// (Transient for Lever or store trouble: retry).
func (r *Refresher) Refresh(ctx context.Context, companyID string) (Result, error) {
	return r.refresh(ctx, companyID, nil)
}

// RefreshSince is Refresh for a refresh request asked at since: when, once
// the lease is held, the cache shows a pass recorded after since, it makes
// no Lever pass and returns Skipped "joined" (a retried request redoes
// only the companies whose refresh failed).
func (r *Refresher) RefreshSince(ctx context.Context, companyID string, since time.Time) (Result, error) {
	return r.refresh(ctx, companyID, &since)
}

// refresh is Refresh; when joinAfter is set and, once the lease is held,
// the cache shows a pass recorded after *joinAfter, it makes no Lever pass
// and returns Skipped "joined": that pass ended after the caller asked.
func (r *Refresher) refresh(ctx context.Context, companyID string, joinAfter *time.Time) (Result, error) {
	res := Result{CompanyID: companyID}
	log := r.log().With("company_id", companyID)
	conn, _, err := connection.Usable(ctx, r.Connections, companyID)
	if err != nil {
		return res, fmt.Errorf("refresh: %w", err)
	}
	// Reading postings needs no perform-as user: a perform_as_inactive
	// connection is refreshed (and its tokens kept fresh) too.
	if reason := conn.Unreadable(); reason != "" {
		res.Skipped = skippedFor(reason)
		return res, nil
	}
	owner := newOwner()
	ttl := r.LeaseTTL
	if ttl <= 0 {
		ttl = 2 * time.Minute
	}
	if err := r.Lease.AcquireRefresh(ctx, companyID, owner, r.now(), ttl); apperr.Is(err, apperr.Conflict) {
		res.Skipped = "in_progress"
		return res, nil
	} else if err != nil {
		return res, fmt.Errorf("refresh: lease: %w", err)
	}
	defer func() {
		// A fresh context: release even when ctx ended.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := r.Lease.ReleaseRefresh(rctx, companyID, owner); err != nil {
			log.WarnContext(ctx, "release refresh lease", "err", err)
		}
	}()
	// Read the cache under the lease: no other pass writes it meanwhile.
	cache, err := r.Postings.List(ctx, companyID)
	if err != nil {
		return res, fmt.Errorf("refresh: read cache: %w", err)
	}
	if joinAfter != nil && cache.RefreshedAt.After(*joinAfter) {
		res.Skipped, res.Fetched = "joined", len(cache.Postings)
		return res, nil
	}
	if r.Tokens != nil {
		// Every pass, scheduled or not, keeps the grant alive: an idle
		// company's refresh token is used at least daily.
		if _, err := r.Tokens.KeepFresh(ctx, companyID, 0); err != nil {
			return res, r.authOrErr(ctx, &res, fmt.Errorf("refresh: keep tokens fresh: %w", err))
		}
	}
	cli, err := r.Lever.PostingsLever(ctx, conn)
	if err != nil {
		return res, r.authOrErr(ctx, &res, err)
	}
	// Both job sites, with content: Lever lists only the public one unless
	// asked (#list-all-postings distributionChannel), an internal-only
	// posting must be linkable too, and the content is what a vendor
	// publishes ("include"). Confidential postings are listed only for a
	// grant with confidential access (Lever's "Confidential Data"), asked
	// for by POST /connection/authorize with confidential: true.
	params := lever.PostingsParams{Limit: 100, DistributionChannels: lever.AllChannels, IncludeContent: true, Confidentiality: conn.Confidentiality()}
	var fetched []Posting
	offset := ""
	for {
		page, err := cli.PostingsPage(ctx, params, offset)
		if err != nil {
			return res, r.authOrErr(ctx, &res, fmt.Errorf("refresh: list postings: %w", err))
		}
		res.Pages++
		for _, p := range page.Data {
			fetched = append(fetched, fromLever(p))
		}
		if !page.HasNext || page.Next == "" {
			break
		}
		offset = page.Next
	}
	res.Fetched = len(fetched)
	internal, err := r.internalAnnounced(ctx, companyID)
	if err != nil {
		return res, err
	}
	changes, fetched := Changes(cache.Postings, fetched, internal)
	put, del := diff(cache.Postings, fetched)
	if err := r.placeContent(ctx, companyID, put, del); err != nil {
		return res, err
	}
	// The changes are announced by the cache write itself: each changed
	// posting's item carries its change (Posting.Last) and the outbound
	// events are derived from the table's change stream (Written), so a
	// change and its event are one DynamoDB write: never one without the
	// other, whatever fails after. A write that fails part way is
	// completed by the next pass, which announces only what is still
	// unwritten.
	if err := r.Postings.Apply(ctx, companyID, put, del, r.now()); err != nil {
		return res, fmt.Errorf("refresh: write cache: %w", err)
	}
	res.Written, res.Deleted, res.Announced = len(put), len(del), len(changes)
	flags := map[string]link.Flag{}
	seen := make(map[string]bool, len(fetched))
	for _, p := range fetched {
		seen[p.ID] = true
		if p.State == lever.PostingClosed {
			flags[p.ID] = link.FlagPostingClosed
		}
	}
	for _, id := range del {
		flags[id] = link.FlagPostingGone
	}
	// A link whose posting Lever no longer returns is gone, also when the
	// posting left the cache in an earlier pass: SetFlags clears the flag
	// of every link whose posting is not a key of flags.
	links, err := r.Links.List(ctx, companyID)
	if err != nil {
		return res, fmt.Errorf("refresh: list links: %w", err)
	}
	for _, l := range links {
		if !seen[l.PostingID] {
			flags[l.PostingID] = link.FlagPostingGone
		}
	}
	if res.Flagged, err = r.Links.SetFlags(ctx, companyID, flags); err != nil {
		return res, fmt.Errorf("refresh: flag links: %w", err)
	}
	log.InfoContext(ctx, "postings refreshed", "fetched", res.Fetched, "written", res.Written, "deleted", res.Deleted, "links_changed", res.Flagged, "pages", res.Pages, "announced", res.Announced)
	return res, nil
}

// authOrErr turns an authentication failure into a skip (nil error):
// the connection's rule (HandleAuthFailure) revokes it when Lever refused
// the grant (Skipped revoked); tokens that cannot be opened are Skipped
// reauth_required and a connection ended meanwhile not_connected.
func (r *Refresher) authOrErr(ctx context.Context, res *Result, err error) error {
	reason, ok, rerr := r.Revoker.HandleAuthFailure(ctx, res.CompanyID, err)
	if !ok {
		return err
	}
	if rerr != nil {
		return rerr
	}
	res.Skipped = skippedFor(reason)
	return nil
}

// skippedFor maps a connection's unusable reason to Result.Skipped.
func skippedFor(reason string) string {
	if reason == connection.ReasonLeverRevoked {
		return "revoked"
	}
	return reason // not_connected, reauth_required
}

// diff returns the fetched postings that differ from the cache, and the
// cached ids that Lever no longer has.
func diff(cached, fetched []Posting) (put []Posting, del []string) {
	old := make(map[string]Posting, len(cached))
	for _, p := range cached {
		old[p.ID] = p
	}
	seen := make(map[string]bool, len(fetched))
	for _, p := range fetched {
		seen[p.ID] = true
		if o, ok := old[p.ID]; !ok || !o.Equal(p) {
			put = append(put, p)
		}
	}
	for _, p := range cached {
		if !seen[p.ID] {
			del = append(del, p.ID)
		}
	}
	sort.Strings(del)
	return put, del
}

// Equal reports whether two cached postings hold the same values: the
// same field digests (Sums: what Lever sent) and the same announcement
// (Announced, and the last change's stamp).
func (p Posting) Equal(o Posting) bool {
	return p.ID == o.ID && sameSums(p.Sums, o.Sums) && p.Announced == o.Announced && p.Last.ID == o.Last.ID
}

// internalAnnounced reads the company's setting; false without Settings.
func (r *Refresher) internalAnnounced(ctx context.Context, companyID string) (bool, error) {
	if r.Settings == nil {
		return false, nil
	}
	v, err := r.Settings.InternalAnnounced(ctx, companyID)
	if err != nil {
		return false, fmt.Errorf("refresh: read announce settings: %w", err)
	}
	return v, nil
}

// placeContent moves content larger than MaxInlineContent out of the
// postings to write: into the ContentStore when there is one, otherwise
// it is dropped and the posting marked ContentOmitted too_large. Content
// of deleted postings is removed from the ContentStore.
func (r *Refresher) placeContent(ctx context.Context, companyID string, put []Posting, del []string) error {
	for i := range put {
		p := &put[i]
		if contentSize(p.Content) <= MaxInlineContent {
			continue
		}
		if r.Contents == nil {
			p.Content, p.ContentOmitted = nil, OmittedTooLarge
			r.log().WarnContext(ctx, "posting content too large for the cache", "company_id", companyID, "posting_id", p.ID, "code", OmittedTooLarge)
			continue
		}
		if err := r.Contents.PutContent(ctx, companyID, p.ID, *p.Content); err != nil {
			return fmt.Errorf("refresh: store content of %s: %w", p.ID, err)
		}
		p.Content, p.ContentStored = nil, true
	}
	if r.Contents == nil {
		return nil
	}
	for _, id := range del {
		if err := r.Contents.DeleteContent(ctx, companyID, id); err != nil {
			return fmt.Errorf("refresh: delete content of %s: %w", id, err)
		}
	}
	return nil
}

func newOwner() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
