package export

import (
	"context"
	"fmt"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/settings"
)

// The reads that feed Decide. Each returns found false (not an error) for
// what is missing, and wraps other store errors.

// FactsQuery names what FactsReader.Facts reads for one company.
type FactsQuery struct {
	CompanyID   string
	PositionID  string // the link of this position; "" reads no link
	CandidateID string // this candidate's export marker; "" reads no marker
}

// Facts are what a FactsReader read: the company's connection, one
// position's link and one candidate's export marker, each with found false
// when missing (or not asked for).
type Facts struct {
	Conn        connection.Connection // tokens sealed, as stored
	ConnFound   bool
	Link        link.Link
	LinkFound   bool
	Marker      Marker
	MarkerFound bool
}

// FactsReader reads the connection, link and marker a job's Decide needs
// in ONE storage request (where the storage allows it: one DynamoDB
// BatchGetItem over the connections, links and exports tables).
//
// Facts reads q.CompanyID's connection, the link of q.PositionID (when not
// empty) and the export marker of q.CandidateID (when not empty), each
// strongly consistent as of its own read (the items are not read as one
// snapshot). What is missing is found false, never an error; a missing
// connection is the zero Connection with CompanyID set (connection.Usable's
// answer). Errors: apperr Invalid naming companyId when it is empty; a
// storage failure wrapped (apperr Transient). Safe for concurrent use.
type FactsReader interface {
	Facts(ctx context.Context, q FactsQuery) (Facts, error)
}

// readFacts reads q in one request and judges the connection as
// connection.Usable does (the zero Connection, CompanyID set, when none).
func readFacts(ctx context.Context, r FactsReader, q FactsQuery) (Facts, error) {
	f, err := r.Facts(ctx, q)
	if err != nil {
		return Facts{}, fmt.Errorf("read connection and link: %w", err)
	}
	f.Conn, _ = connection.UsableRead(q.CompanyID, f.Conn, f.ConnFound)
	return f, nil
}

// readLink returns positionID's link; found is false when the position is
// not linked or positionID is empty.
func readLink(ctx context.Context, links LinkGetter, companyID, positionID string) (link.Link, bool, error) {
	if positionID == "" {
		return link.Link{}, false, nil
	}
	l, err := links.Get(ctx, companyID, positionID)
	if apperr.Is(err, apperr.NotFound) {
		return link.Link{}, false, nil
	}
	if err != nil {
		return link.Link{}, false, fmt.Errorf("read link: %w", err)
	}
	return l, true, nil
}

// readMarker returns k's marker; found is false when there is none.
func readMarker(ctx context.Context, markers Store, k Key) (Marker, bool, error) {
	m, err := markers.Get(ctx, k)
	if apperr.Is(err, apperr.NotFound) {
		return Marker{}, false, nil
	}
	if err != nil {
		return Marker{}, false, fmt.Errorf("read export marker: %w", err)
	}
	return m, true, nil
}

// readPushFacts fills in the candidate's export marker and, once exported,
// the link of the position it was exported for.
func readPushFacts(ctx context.Context, markers Store, links LinkGetter, candidate Key, in *Input) error {
	var err error
	if in.Marker, in.MarkerFound, err = readMarker(ctx, markers, candidate); err != nil {
		return err
	}
	if in.MarkerFound && in.Marker.State == Exported {
		in.Link, in.LinkFound, err = readLink(ctx, links, candidate.CompanyID, in.Marker.PositionID)
	}
	return err
}

// SettingsGetter reads a company's settings (apperr NotFound when it never
// wrote any: the defaults apply).
type SettingsGetter = settings.Getter

// decideWithSettings is Decide on in, reading the company's settings only
// when they can change the answer (settingsMatter): the defaults are the
// strictest answers, so most decisions need no read. It returns the input
// the decision was made on (with the settings when they were read).
func decideWithSettings(ctx context.Context, g SettingsGetter, companyID string, in Input) (Decision, Input, error) {
	d := Decide(in)
	if g == nil || !settingsMatter(in, d) {
		return d, in, nil
	}
	st, err := settings.Of(ctx, g, companyID)
	if err != nil {
		return Decision{}, in, err
	}
	in.Settings = st
	return Decide(in), in, nil
}
