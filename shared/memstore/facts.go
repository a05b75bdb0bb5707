package memstore

import (
	"context"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// Facts implements export.FactsReader on the memory stores it is given:
// each item is read under its own store's lock, as DynamoDB's BatchGetItem
// reads each item strongly consistent but not as one snapshot.
type Facts struct {
	Connections *Connections
	Links       *Links
	Exports     *Exports
}

var _ export.FactsReader = (*Facts)(nil)

// NewFacts returns the reader over the three stores.
func NewFacts(c *Connections, l *Links, e *Exports) *Facts {
	return &Facts{Connections: c, Links: l, Exports: e}
}

// Facts reads q's connection, link and marker (see export.FactsReader).
func (s *Facts) Facts(ctx context.Context, q export.FactsQuery) (export.Facts, error) {
	if err := requireID("companyId", q.CompanyID); err != nil {
		return export.Facts{}, err
	}
	var f export.Facts
	var err error
	f.Conn, err = s.Connections.Get(ctx, q.CompanyID)
	if f.ConnFound = err == nil; err != nil && !apperr.Is(err, apperr.NotFound) {
		return export.Facts{}, err
	}
	if !f.ConnFound {
		f.Conn.CompanyID = q.CompanyID
	}
	if q.PositionID != "" {
		f.Link, err = s.Links.Get(ctx, q.CompanyID, q.PositionID)
		if f.LinkFound = err == nil; err != nil && !apperr.Is(err, apperr.NotFound) {
			return export.Facts{}, err
		}
	}
	if q.CandidateID != "" {
		f.Marker, err = s.Exports.Get(ctx, export.Key{CompanyID: q.CompanyID, CandidateID: q.CandidateID})
		if f.MarkerFound = err == nil; err != nil && !apperr.Is(err, apperr.NotFound) {
			return export.Facts{}, err
		}
	}
	return f, nil
}
