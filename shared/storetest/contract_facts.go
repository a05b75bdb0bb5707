package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/link"
)

// FactsStores are the stores an export.FactsReader reads (to set the facts
// up through their own ports) and the reader itself, over the same data.
type FactsStores struct {
	Connections connection.Store
	Links       link.Store
	Exports     export.Store
	Reader      export.FactsReader
}

// FactsContract checks an implementation of export.FactsReader: what it
// returns equals what each store's own Get returns (tokens sealed), what
// is missing or not asked for is found false, and a missing connection is
// connection.Usable's answer.
func FactsContract(t *testing.T, newStores func(t *testing.T) FactsStores) {
	s := newStores(t)

	t.Run("CompanyIDRequired", func(t *testing.T) {
		t.Parallel()
		_, err := s.Reader.Facts(ctx(t), export.FactsQuery{PositionID: "p", CandidateID: "c"})
		wantCode(t, "Facts without companyId", err, apperr.Invalid)
	})

	t.Run("FoundAndMissingCombinations", func(t *testing.T) {
		t.Parallel()
		for _, conn := range []bool{false, true} {
			for _, lnk := range []bool{false, true} {
				for _, mark := range []bool{false, true} {
					t.Run(fmt.Sprintf("conn=%v/link=%v/marker=%v", conn, lnk, mark), func(t *testing.T) {
						t.Parallel()
						c := ctx(t)
						co, pos, cand := ID("co"), ID("pos"), ID("cand")
						var want export.Facts
						if conn {
							stored, err := s.Connections.Update(c, co, func(cn *connection.Connection) error {
								cn.Status, cn.Environment, cn.PerformAsID = connection.Connected, connection.Production, "u1"
								cn.SealedAccess, cn.SealedRefresh = []byte{1, 2, 3}, []byte{4, 5}
								cn.AccessExpiry, cn.UpdatedAt = base.Add(time.Hour), base
								return nil
							})
							must(t, "Update connection", err)
							got, err := s.Connections.Get(c, co)
							must(t, "Get connection", err)
							wantEqual(t, "stored connection", got, stored)
							want.Conn, want.ConnFound = got, true
						} else {
							want.Conn, _ = connection.UsableRead(co, connection.Connection{}, false)
						}
						if lnk {
							_, err := s.Links.Put(c, link.Link{CompanyID: co, PositionID: pos, PostingID: ID("post"), Trigger: link.ContactAccepted, UpdatedAt: base})
							must(t, "Put link", err)
							got, err := s.Links.Get(c, co, pos)
							must(t, "Get link", err)
							want.Link, want.LinkFound = got, true
						}
						if mark {
							k := export.Key{CompanyID: co, CandidateID: cand}
							_, _, err := s.Exports.Queue(c, k, base, pos, ID("ev"))
							must(t, "Queue marker", err)
							got, err := s.Exports.Get(c, k)
							must(t, "Get marker", err)
							want.Marker, want.MarkerFound = got, true
						}
						got, err := s.Reader.Facts(c, export.FactsQuery{CompanyID: co, PositionID: pos, CandidateID: cand})
						must(t, "Facts", err)
						wantEqual(t, "Facts", got, want)
						gotConn, reason := connection.UsableRead(co, got.Conn, got.ConnFound)
						wantConn, wantReason, err := connection.Usable(c, s.Connections, co)
						must(t, "Usable", err)
						wantEqual(t, "the connection judged", gotConn, wantConn)
						if reason != wantReason {
							t.Errorf("UsableRead reason %q, Usable's %q", reason, wantReason)
						}
					})
				}
			}
		}
	})

	t.Run("OnlyWhatIsAsked", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co, pos, cand := ID("co"), ID("pos"), ID("cand")
		_, err := s.Links.Put(c, link.Link{CompanyID: co, PositionID: pos, PostingID: ID("post"), Trigger: link.ContactAccepted})
		must(t, "Put link", err)
		_, _, err = s.Exports.Queue(c, export.Key{CompanyID: co, CandidateID: cand}, base, pos, "")
		must(t, "Queue marker", err)
		got, err := s.Reader.Facts(c, export.FactsQuery{CompanyID: co})
		must(t, "Facts of the company alone", err)
		if got.ConnFound || got.LinkFound || got.MarkerFound || got.Conn.CompanyID != co {
			t.Errorf("Facts of the company alone = %+v, want nothing found, connection of %s", got, co)
		}
		// Another company's link and marker are not this company's.
		got, err = s.Reader.Facts(c, export.FactsQuery{CompanyID: ID("co"), PositionID: pos, CandidateID: cand})
		must(t, "Facts of another company", err)
		if got.LinkFound || got.MarkerFound {
			t.Errorf("Facts of another company found %+v", got)
		}
		// An activity marker is not the candidate's export marker.
		cand2 := ID("cand")
		_, _, err = s.Exports.Queue(c, export.Key{CompanyID: co, CandidateID: cand2, ActivityID: "note:n1"}, base, "", "")
		must(t, "Queue activity", err)
		got, err = s.Reader.Facts(c, export.FactsQuery{CompanyID: co, CandidateID: cand2})
		must(t, "Facts of a candidate with an activity marker only", err)
		if got.MarkerFound {
			t.Errorf("Facts found the activity marker %+v as the export marker", got.Marker)
		}
	})

	t.Run("ConcurrentReadsSeeWholeItems", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co, pos := ID("co"), ID("pos")
		_, err := s.Links.Put(c, link.Link{CompanyID: co, PositionID: pos, PostingID: "post-1", Trigger: link.ContactAccepted})
		must(t, "Put link", err)
		const n = 8
		written := make(chan connection.Connection, n)
		errs := race(2*n, func(i int) error {
			if i%2 == 0 {
				cn, err := s.Connections.Update(c, co, func(cn *connection.Connection) error {
					cn.Status, cn.PerformAsID = connection.Connected, fmt.Sprintf("u%d", cn.Version+1)
					return nil
				})
				if err == nil {
					written <- cn
				}
				return err
			}
			f, err := s.Reader.Facts(c, export.FactsQuery{CompanyID: co, PositionID: pos})
			if err != nil {
				return err
			}
			if !f.LinkFound || f.Link.PostingID != "post-1" {
				return fmt.Errorf("link %+v found %v, want post-1", f.Link, f.LinkFound)
			}
			if f.ConnFound && f.Conn.PerformAsID != fmt.Sprintf("u%d", f.Conn.Version) {
				return fmt.Errorf("a torn connection: version %d performAs %q", f.Conn.Version, f.Conn.PerformAsID)
			}
			return nil
		})
		close(written)
		for i, err := range errs {
			if err != nil && !(i%2 == 0 && apperr.Is(err, apperr.Conflict)) {
				t.Errorf("call %d: %v", i, err)
			}
		}
		if len(written) == 0 {
			t.Fatal("no connection update succeeded")
		}
	})
}
