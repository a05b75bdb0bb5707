package link_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/posting"
)

// postings answers link.PostingGetter from the postings cache.
type postings struct{ *memstore.Postings }

func (p postings) Exists(ctx context.Context, companyID, postingID string) (string, error) {
	ps, err := p.Get(ctx, companyID, postingID)
	return ps.State, err
}

// conns is the connection store, or fails as asked.
type conns struct {
	*memstore.Connections
	err error
}

func (c conns) Get(ctx context.Context, companyID string) (connection.Connection, error) {
	if c.err != nil {
		return connection.Connection{}, c.err
	}
	return c.Connections.Get(ctx, companyID)
}

const company = "co-1"

func TestPut(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     connection.Status // "" for no connection
		connErr    error
		existing   *link.Link
		in         link.PutInput
		want       link.Link // Version and times checked separately
		wantCode   apperr.Code
		wantField  string
		wantReason string
	}{
		{"default trigger", connection.Connected, nil, nil, link.PutInput{PostingID: "p-open"},
			link.Link{PostingID: "p-open", Trigger: link.ContactAccepted}, "", "", ""},
		{"explicit trigger", connection.Connected, nil, nil, link.PutInput{PostingID: "p-open", Trigger: link.Replied},
			link.Link{PostingID: "p-open", Trigger: link.Replied}, "", "", ""},
		{"closed posting: linked and flagged", connection.Connected, nil, nil, link.PutInput{PostingID: "p-closed", Trigger: link.Never},
			link.Link{PostingID: "p-closed", Trigger: link.Never, Flag: link.FlagPostingClosed}, "", "", ""},
		{"relink keeps CreatedAt and clears the flag", connection.Connected, nil,
			&link.Link{PositionID: "pos", PostingID: "p-closed", Trigger: link.Never, Flag: link.FlagPostingClosed},
			link.PutInput{PostingID: "p-open"},
			link.Link{PostingID: "p-open", Trigger: link.ContactAccepted}, "", "", ""},
		{"posting id missing", connection.Connected, nil, nil, link.PutInput{}, link.Link{}, apperr.Invalid, "postingId", ""},
		{"unknown trigger", connection.Connected, nil, nil, link.PutInput{PostingID: "p-open", Trigger: "on_hire"}, link.Link{}, apperr.Invalid, "trigger", ""},
		{"unknown posting", connection.Connected, nil, nil, link.PutInput{PostingID: "p-nope"}, link.Link{}, apperr.NotFound, "postingId", ""},
		{"not connected", "", nil, nil, link.PutInput{PostingID: "p-open"}, link.Link{}, apperr.Invalid, "", "not_connected"},
		{"disconnected", connection.NotConnected, nil, nil, link.PutInput{PostingID: "p-open"}, link.Link{}, apperr.Invalid, "", "not_connected"},
		{"revoked", connection.Revoked, nil, nil, link.PutInput{PostingID: "p-open"}, link.Link{}, apperr.Invalid, "", "lever_revoked"},
		{"reauth required", connection.ReauthRequired, nil, nil, link.PutInput{PostingID: "p-open"}, link.Link{}, apperr.Invalid, "", "reauth_required"},
		{"connection store down", connection.Connected, apperr.Wrap(apperr.Transient, errors.New("timeout"), "down"), nil,
			link.PutInput{PostingID: "p-open"}, link.Link{}, apperr.Transient, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			ps, cs, ls := memstore.NewPostings(), memstore.NewConnections(), memstore.NewLinks()
			if err := ps.Apply(ctx, company, []posting.Posting{{ID: "p-open", State: "published"}, {ID: "p-closed", State: "closed"}}, nil, t0); err != nil {
				t.Fatal(err)
			}
			if tt.status != "" {
				if _, err := cs.Update(ctx, company, func(c *connection.Connection) error { c.Status = tt.status; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			if tt.existing != nil {
				old := *tt.existing
				old.CompanyID, old.CreatedAt, old.UpdatedAt = company, t0.Add(-time.Hour), t0.Add(-time.Hour)
				if _, err := ls.Put(ctx, old); err != nil {
					t.Fatal(err)
				}
			}
			svc := &link.Service{Links: ls, Postings: postings{ps}, Conn: conns{cs, tt.connErr}, Now: func() time.Time { return t0 }}

			got, err := svc.Put(ctx, company, "pos", tt.in)

			e := apperr.As(err)
			if apperr.CodeOf(err) != tt.wantCode || (e != nil && (e.Field != tt.wantField || e.Reason != tt.wantReason)) {
				t.Fatalf("Put error = %v, want code %q field %q reason %q", err, tt.wantCode, tt.wantField, tt.wantReason)
			}
			stored, gerr := ls.Get(ctx, company, "pos")
			if err != nil {
				if tt.existing == nil && !apperr.Is(gerr, apperr.NotFound) {
					t.Fatalf("a refused Put stored %+v", stored)
				}
				return
			}
			want := tt.want
			want.CompanyID, want.PositionID, want.UpdatedAt, want.CreatedAt, want.Version = company, "pos", t0, t0, 1
			if tt.existing != nil {
				want.CreatedAt, want.Version = t0.Add(-time.Hour), 2
			}
			if got != want || stored != want {
				t.Fatalf("Put = %+v\nstored  %+v\nwant    %+v", got, stored, want)
			}
			if v := link.ViewOf(got); v.PostingID != want.PostingID || v.Trigger != want.Trigger || v.Flag != want.Flag || !v.CreatedAt.Equal(want.CreatedAt) {
				t.Fatalf("ViewOf = %+v", v)
			}
		})
	}
}
