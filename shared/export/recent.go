package export

import (
	"context"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/link"
)

// RecentTTL is how long intake may judge an event on a connection or link
// read earlier by the same warm instance (RecentConnections, RecentLinks).
//
// The bound: only answers that let work through are kept (a usable
// connection, a link that exists), so a connection or position link made
// a moment ago is never missed; a disconnect, revocation or
// unlink made less than RecentTTL ago may still queue a job, which the
// exporter then skips with the reason, because it reads both again before
// any Lever write (Decide ViaJob). The one rule judged only at intake on a
// kept link is its trigger (trigger_not_reached): a trigger changed less
// than RecentTTL ago may be judged on its previous value.
const RecentTTL = 5 * time.Second

// recentMax bounds each cache; past it the cache starts empty again.
const recentMax = 1024

// recent is a small time-bounded map, safe for concurrent use.
type recent[K comparable, V any] struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[K]recentEntry[V]
}

type recentEntry[V any] struct {
	v   V
	exp time.Time
}

func (r *recent[K, V]) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

func (r *recent[K, V]) get(k K) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.m[k]
	if !ok || !r.clock().Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (r *recent[K, V]) put(k K, v V) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil || len(r.m) >= recentMax {
		r.m = map[K]recentEntry[V]{}
	}
	r.m[k] = recentEntry[V]{v: v, exp: r.clock().Add(r.ttl)}
}

// RecentConnections is a ConnectionGetter that answers a company's usable
// connection from what it read within ttl (RecentTTL when 0; see RecentTTL
// for the bound) and reads g otherwise; an unusable or missing connection
// is never kept. For intake only: the exporter reads its connection fresh.
// now nil is time.Now. Safe for concurrent use.
func RecentConnections(g ConnectionGetter, ttl time.Duration, now func() time.Time) ConnectionGetter {
	if ttl <= 0 {
		ttl = RecentTTL
	}
	return &recentConnections{g: g, c: recent[string, connection.Connection]{ttl: ttl, now: now}}
}

type recentConnections struct {
	g ConnectionGetter
	c recent[string, connection.Connection]
}

// Get implements ConnectionGetter.
func (r *recentConnections) Get(ctx context.Context, companyID string) (connection.Connection, error) {
	if c, ok := r.c.get(companyID); ok {
		return c, nil
	}
	c, err := r.g.Get(ctx, companyID)
	if err == nil && c.Unusable() == "" {
		r.c.put(companyID, c)
	}
	return c, err
}

// RecentLinks is a LinkGetter that answers a position's link from what it
// read within ttl (RecentTTL when 0; see RecentTTL for the bound) and reads
// g otherwise; a missing link is never kept. For intake only. now nil is
// time.Now. Safe for concurrent use.
func RecentLinks(g LinkGetter, ttl time.Duration, now func() time.Time) LinkGetter {
	if ttl <= 0 {
		ttl = RecentTTL
	}
	return &recentLinks{g: g, c: recent[[2]string, link.Link]{ttl: ttl, now: now}}
}

type recentLinks struct {
	g LinkGetter
	c recent[[2]string, link.Link]
}

// Get implements LinkGetter.
func (r *recentLinks) Get(ctx context.Context, companyID, positionID string) (link.Link, error) {
	k := [2]string{companyID, positionID}
	if l, ok := r.c.get(k); ok {
		return l, nil
	}
	l, err := r.g.Get(ctx, companyID, positionID)
	if err == nil {
		r.c.put(k, l)
	}
	return l, err
}
