package settings_test

import (
	"context"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/settings"
)

func b(v bool) *bool { return &v }

func doc(gen, early, internal bool) settings.Document {
	return settings.Document{AllowGeneralOpportunity: b(gen), ExportBeforeConsent: b(early), AnnounceInternalPostings: b(internal)}
}

func TestPut(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	type step struct {
		ifMatch    string
		d          settings.Document
		wantCode   apperr.Code
		wantReason string
		wantField  string
		wantVer    int64
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"first write without If-Match", []step{{"", doc(true, false, false), "", "", "", 1}}},
		{"first write with If-Match 0", []step{{`"0"`, doc(true, false, false), "", "", "", 1}}},
		{"first write with a later version is stale", []step{{`"3"`, doc(true, false, false), apperr.Conflict, settings.ReasonStale, "", 0}}},
		{"second write needs If-Match", []step{
			{"", doc(true, false, false), "", "", "", 1},
			{"", doc(false, true, false), apperr.Invalid, settings.ReasonIfMatchRequired, "", 0},
		}},
		{"second write with the current ETag", []step{
			{"", doc(true, false, false), "", "", "", 1},
			{`"1"`, doc(false, true, false), "", "", "", 2},
		}},
		{"weak ETag accepted", []step{
			{"", doc(true, false, false), "", "", "", 1},
			{`W/"1"`, doc(false, true, false), "", "", "", 2},
		}},
		{"stale ETag", []step{
			{"", doc(true, false, false), "", "", "", 1},
			{`"1"`, doc(false, true, false), "", "", "", 2},
			{`"1"`, doc(false, false, true), apperr.Conflict, settings.ReasonStale, "", 0},
		}},
		{"missing field", []step{{"", settings.Document{AllowGeneralOpportunity: b(true), AnnounceInternalPostings: b(false)}, apperr.Invalid, "", "exportBeforeConsent", 0}}},
		{"malformed If-Match", []step{{"1", doc(true, false, false), apperr.Invalid, "", "If-Match", 0}}},
		{"wildcard If-Match", []step{{"*", doc(true, false, false), apperr.Invalid, "", "If-Match", 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc := &settings.Service{Store: memstore.NewSettings(), Now: func() time.Time { return at }}
			last := settings.Settings{CompanyID: "co"}
			for i, s := range tc.steps {
				got, err := svc.Put(context.Background(), "co", s.ifMatch, "k1", s.d)
				if apperr.CodeOf(err) != s.wantCode || apperr.ReasonOf(err) != s.wantReason {
					t.Fatalf("step %d: err %v, want code %q reason %q", i, err, s.wantCode, s.wantReason)
				}
				if s.wantField != "" {
					if e := apperr.As(err); e == nil || e.Field != s.wantField {
						t.Fatalf("step %d: err %v, want field %s", i, err, s.wantField)
					}
				}
				if err != nil {
					continue
				}
				if got.Version != s.wantVer || got.UpdatedBy != "k1" || !got.UpdatedAt.Equal(at) ||
					got.AllowGeneralOpportunity != *s.d.AllowGeneralOpportunity || got.ExportBeforeConsent != *s.d.ExportBeforeConsent ||
					got.AnnounceInternalPostings != *s.d.AnnounceInternalPostings {
					t.Fatalf("step %d: got %+v", i, got)
				}
				last = got
			}
			// A refused write changed nothing.
			cur, err := svc.Get(context.Background(), "co")
			if err != nil {
				t.Fatal(err)
			}
			if cur != last {
				t.Errorf("stored %+v, want the last accepted write %+v", cur, last)
			}
		})
	}
}

func TestDefaultsAndView(t *testing.T) {
	t.Parallel()
	svc := &settings.Service{Store: memstore.NewSettings()}
	s, err := svc.Get(context.Background(), "co")
	if err != nil {
		t.Fatal(err)
	}
	if s != (settings.Settings{CompanyID: "co"}) {
		t.Errorf("defaults: %+v, want all false, version 0", s)
	}
	d, etag := settings.View(s)
	if etag != `"0"` || *d.AllowGeneralOpportunity || *d.ExportBeforeConsent || *d.AnnounceInternalPostings || d.UpdatedAt != nil || d.UpdatedBy != "" {
		t.Errorf("view of the defaults: %+v %s", d, etag)
	}
}
