// Package settings holds the settings a company chooses for its exports
// (general opportunities, the consent gate, internal postings): one
// versioned document per company, read by the export decision and written
// through GET/PUT /v1/companies/{companyId}/settings.
//
// Settings are stored apart from the Lever connection so that they outlive
// a disconnect and a reconnect of the same company. Every field defaults to
// the safe answer (false).
package settings

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Settings is one company's settings document.
type Settings struct {
	CompanyID string

	// AllowGeneralOpportunity: a candidate without a position (e.g.
	// LinkedIn's InMail "Yes, please share") becomes a general opportunity
	// in Lever, on contact_accepted or applied, or by the Export button.
	AllowGeneralOpportunity bool
	// ExportBeforeConsent opts the company out of the consent gate: the
	// candidate's data is copied to Lever before the candidate consents
	// (Pin-style early triggers such as contact_info_found).
	ExportBeforeConsent bool
	// AnnounceInternalPostings: internal-only Lever postings are announced
	// to the vendor like public ones (read by the postings feature).
	AnnounceInternalPostings bool

	UpdatedAt time.Time // zero until first written
	UpdatedBy string    // the id of the API key that wrote them (KeyID)
	Version   int64     // 0 until first written; +1 on every write
}

// Store persists settings, one document per company.
//
// Get returns apperr NotFound when the company never wrote settings.
// Update reads the document (a zero Settings with CompanyID set and
// Version 0 when none exists), calls fn, and writes the result only if the
// stored version is still the one read; after a conflicting concurrent
// write it calls fn again on a fresh read (a few attempts, then apperr
// Conflict). fn returning an error aborts without writing; the error is
// returned as is. Update returns what it wrote (Version advanced by one;
// CompanyID cannot be changed by fn). Safe for concurrent use.
type Store interface {
	Get(ctx context.Context, companyID string) (Settings, error)
	Update(ctx context.Context, companyID string, fn func(*Settings) error) (Settings, error)
}

// Getter reads a company's settings (apperr NotFound when none).
type Getter interface {
	Get(ctx context.Context, companyID string) (Settings, error)
}

// Of reads the company's settings; a company that never wrote any gets
// the defaults (all false, Version 0), not an error. Other read errors are
// returned wrapped.
func Of(ctx context.Context, g Getter, companyID string) (Settings, error) {
	s, err := g.Get(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) {
		return Settings{CompanyID: companyID}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("read settings: %w", err)
	}
	return s, nil
}

// Document is the public form of the settings: the body of PUT …/settings
// (whole document; every field required) and, with the audit fields, the
// answer of GET …/settings.
type Document struct {
	AllowGeneralOpportunity  *bool      `json:"allowGeneralOpportunity"`
	ExportBeforeConsent      *bool      `json:"exportBeforeConsent"`
	AnnounceInternalPostings *bool      `json:"announceInternalPostings"`
	UpdatedAt                *time.Time `json:"updatedAt,omitempty"`
	UpdatedBy                string     `json:"updatedBy,omitempty" maxLength:"64"`
}

// View is the public form of s and its ETag.
func View(s Settings) (Document, string) {
	d := Document{
		AllowGeneralOpportunity:  ptr(s.AllowGeneralOpportunity),
		ExportBeforeConsent:      ptr(s.ExportBeforeConsent),
		AnnounceInternalPostings: ptr(s.AnnounceInternalPostings),
		UpdatedBy:                s.UpdatedBy,
	}
	if !s.UpdatedAt.IsZero() {
		t := s.UpdatedAt
		d.UpdatedAt = &t
	}
	return d, ETag(s.Version)
}

func ptr(b bool) *bool { return &b }

// ETag is the entity tag of version v: a strong, quoted tag ("\"3\"").
// The defaults of a company that never wrote settings are version 0.
func ETag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// ParseIfMatch reads an If-Match header holding one ETag (weak or strong).
// Errors: apperr Invalid naming If-Match for anything else ("*" and lists
// included: the client must say which version it read).
func ParseIfMatch(h string) (int64, error) {
	t := strings.TrimPrefix(strings.TrimSpace(h), "W/")
	if len(t) < 3 || t[0] != '"' || t[len(t)-1] != '"' {
		return 0, apperr.InvalidField("If-Match", "must be the ETag of GET …/settings, such as \"3\"")
	}
	v, err := strconv.ParseInt(t[1:len(t)-1], 10, 64)
	if err != nil || v < 0 {
		return 0, apperr.InvalidField("If-Match", "must be the ETag of GET …/settings, such as \"3\"")
	}
	return v, nil
}

// Reasons of the precondition errors of Put (the API answers 412 and 428).
const (
	ReasonStale           = "stale_version"     // If-Match names a version that is no longer current
	ReasonIfMatchRequired = "if_match_required" // settings exist and If-Match is missing
)

// Service reads and writes settings. Safe for concurrent use.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Get returns the company's settings (the defaults when it never wrote
// any).
func (s *Service) Get(ctx context.Context, companyID string) (Settings, error) {
	return Of(ctx, s.Store, companyID)
}

// Put replaces the company's settings with d, as keyID (see KeyID), on the
// condition ifMatch: the ETag the caller read ("" when it sent none).
// Errors: apperr Invalid naming the missing field or If-Match; apperr
// Conflict with Reason stale_version when ifMatch is not the current
// version; apperr Invalid with Reason if_match_required when ifMatch is
// empty and the company already has settings (a company without settings
// may create them without If-Match). The check and the write are one
// version-conditioned write (Store.Update).
func (s *Service) Put(ctx context.Context, companyID, ifMatch, keyID string, d Document) (Settings, error) {
	for _, f := range []struct {
		name string
		v    *bool
	}{
		{"allowGeneralOpportunity", d.AllowGeneralOpportunity},
		{"exportBeforeConsent", d.ExportBeforeConsent},
		{"announceInternalPostings", d.AnnounceInternalPostings},
	} {
		if f.v == nil {
			return Settings{}, apperr.InvalidField(f.name, "is required (PUT replaces the whole document)")
		}
	}
	want := int64(-1)
	if ifMatch != "" {
		v, err := ParseIfMatch(ifMatch)
		if err != nil {
			return Settings{}, err
		}
		want = v
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	return s.Store.Update(ctx, companyID, func(cur *Settings) error {
		switch {
		case want < 0 && cur.Version > 0:
			return apperr.E(apperr.Invalid, "settings exist: send If-Match with the ETag of GET …/settings").WithReason(ReasonIfMatchRequired)
		case want >= 0 && want != cur.Version:
			return apperr.E(apperr.Conflict, "settings changed since version %d (now %d): read them again", want, cur.Version).WithReason(ReasonStale)
		}
		cur.AllowGeneralOpportunity = *d.AllowGeneralOpportunity
		cur.ExportBeforeConsent = *d.ExportBeforeConsent
		cur.AnnounceInternalPostings = *d.AnnounceInternalPostings
		cur.UpdatedAt, cur.UpdatedBy = now, keyID
		return nil
	})
}
