package export

import (
	"context"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/link"
)

type countingConns struct {
	c     connection.Connection
	err   error
	reads int
}

func (g *countingConns) Get(context.Context, string) (connection.Connection, error) {
	g.reads++
	return g.c, g.err
}

type countingLinks struct {
	l     link.Link
	err   error
	reads int
}

func (g *countingLinks) Get(context.Context, string, string) (link.Link, error) {
	g.reads++
	return g.l, g.err
}

func TestRecentConnectionsKeepsOnlyUsable(t *testing.T) {
	tests := []struct {
		name      string
		c         connection.Connection
		err       error
		after     time.Duration // second read this long after the first
		wantReads int
	}{
		{"usable, within ttl", connection.Connection{CompanyID: "co", Status: connection.Connected}, nil, time.Second, 1},
		{"usable, after ttl", connection.Connection{CompanyID: "co", Status: connection.Connected}, nil, RecentTTL, 2},
		{"revoked is read again", connection.Connection{CompanyID: "co", Status: connection.Revoked}, nil, time.Second, 2},
		{"missing is read again", connection.Connection{}, apperr.E(apperr.NotFound, "none"), time.Second, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Unix(1_800_000_000, 0)
			g := &countingConns{c: tt.c, err: tt.err}
			r := RecentConnections(g, 0, func() time.Time { return now })
			_, _ = r.Get(context.Background(), "co")
			now = now.Add(tt.after)
			got, err := r.Get(context.Background(), "co")
			if g.reads != tt.wantReads {
				t.Fatalf("reads = %d, want %d", g.reads, tt.wantReads)
			}
			if got.Status != tt.c.Status || (err == nil) != (tt.err == nil) {
				t.Fatalf("Get = %+v, %v; want %+v, %v", got, err, tt.c, tt.err)
			}
		})
	}
}

func TestRecentLinksKeepsOnlyFound(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		after     time.Duration
		wantReads int
	}{
		{"found, within ttl", nil, RecentTTL - time.Millisecond, 1},
		{"found, after ttl", nil, RecentTTL, 2},
		{"not linked is read again", apperr.E(apperr.NotFound, "not linked"), time.Second, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Unix(1_800_000_000, 0)
			g := &countingLinks{l: link.Link{CompanyID: "co", PositionID: "pos-1", PostingID: "post-1"}, err: tt.err}
			r := RecentLinks(g, 0, func() time.Time { return now })
			_, _ = r.Get(context.Background(), "co", "pos-1")
			now = now.Add(tt.after)
			_, _ = r.Get(context.Background(), "co", "pos-1")
			if g.reads != tt.wantReads {
				t.Fatalf("reads = %d, want %d", g.reads, tt.wantReads)
			}
		})
	}
}
