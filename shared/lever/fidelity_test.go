package lever_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

func ids(opps []lever.Opportunity) []string {
	out := []string{}
	for _, o := range opps {
		out = append(out, o.ID)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// TestArchivedOpportunities: Lever lists archived and active opportunities
// unless archived=false, archives with a reason from /archive_reasons,
// unarchives with reason null, and posting_id / archived_posting_id split
// live and archived applications.
func TestArchivedOpportunities(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	post := e.acc.AddPosting(leverfake.Posting{Text: "Eng"})
	old, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Ada", Emails: []string{"ada@example.com"}, Postings: []string{post.ID}})
	if err != nil {
		t.Fatal(err)
	}
	reasons, err := e.client.ListArchiveReasons(ctx)
	if err != nil || len(reasons) != len(leverfake.DefaultArchiveReasons) || reasons[0].ID == "" || reasons[0].Type == "" {
		t.Fatalf("archive reasons = %+v, %v", reasons, err)
	}
	archived, err := e.client.SetArchived(ctx, old.ID, reasons[0].ID)
	if err != nil || archived.Active() || archived.Archived.Reason != reasons[0].ID || archived.Archived.ArchivedAt == 0 {
		t.Fatalf("SetArchived = %+v, %v", archived.Archived, err)
	}
	_, err = e.client.SetArchived(ctx, old.ID, "no-such-reason")
	checkCode(t, err, apperr.NotFound, "ResourceNotFound")

	// Lever dedupes onto the same contact; the new candidacy is active.
	fresh, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Ada", Emails: []string{"ada@example.com"}, Postings: []string{post.ID}})
	if err != nil || fresh.Contact != old.Contact || !fresh.Active() {
		t.Fatalf("second create = %+v, %v", fresh, err)
	}

	tests := []struct {
		name string
		f    lever.OppFilter
		want []string
	}{
		{"default lists archived and active", lever.OppFilter{Email: "ada@example.com"}, sorted(old.ID, fresh.ID)},
		{"archived=false", lever.OppFilter{Email: "ada@example.com", Archived: lever.OnlyActive}, []string{fresh.ID}},
		{"archived=true", lever.OppFilter{ContactID: old.Contact, Archived: lever.OnlyArchived}, []string{old.ID}},
		{"posting_id: live applications only", lever.OppFilter{PostingID: post.ID}, []string{fresh.ID}},
		{"archived_posting_id", lever.OppFilter{ArchivedPostingID: post.ID}, []string{old.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.client.ListOpportunities(ctx, tt.f)
			if err != nil || !slices.Equal(ids(got), tt.want) {
				t.Errorf("got %v (%v), want %v", ids(got), err, tt.want)
			}
		})
	}

	back, err := e.client.SetArchived(ctx, old.ID, "")
	if err != nil || !back.Active() {
		t.Fatalf("unarchive = %+v, %v", back.Archived, err)
	}
	// Recruiters archive in Lever's app: the admin surface does the same.
	if !e.acc.Archive(fresh.ID, reasons[1].ID) {
		t.Fatal("Account.Archive refused")
	}
	got, _ := e.client.GetOpportunity(ctx, fresh.ID)
	if got.Active() || got.Archived.Reason != reasons[1].ID {
		t.Errorf("after Account.Archive: %+v", got.Archived)
	}
}

// TestEveryEmail: repeated email parameters give the union; a contact is
// found by any email it holds, canonicalised.
func TestEveryEmail(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	a, _ := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "A", Emails: []string{"a@work.example", "a@home.example"}})
	b, _ := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "B", Emails: []string{"b@example.com"}})
	_, _ = e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "C", Emails: []string{"c@example.com"}})
	tests := []struct {
		name string
		f    lever.OppFilter
		want []string
	}{
		{"second email of a contact", lever.OppFilter{Email: " A@Home.Example "}, []string{a.ID}},
		{"union", lever.OppFilter{Email: "b@example.com", Emails: []string{"a@home.example", "nobody@example.com"}}, sorted(a.ID, b.ID)},
		{"unknown", lever.OppFilter{Emails: []string{"nobody@example.com"}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.client.ListOpportunities(ctx, tt.f)
			if err != nil || !slices.Equal(ids(got), tt.want) {
				t.Errorf("got %v (%v), want %v", ids(got), err, tt.want)
			}
		})
	}
}

// TestPostingChannels: without distributionChannel Lever lists only
// published postings of the public job site; both channels must be asked.
func TestPostingChannels(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	pub := e.acc.AddPosting(leverfake.Posting{Text: "Public"})
	internalOnly := e.acc.AddPosting(leverfake.Posting{Text: "Internal site only", DistributionChannels: []string{"internal"}})
	unlisted := e.acc.AddPosting(leverfake.Posting{Text: "Unlisted", State: "internal"})
	closed := e.acc.AddPosting(leverfake.Posting{Text: "Closed", State: "closed"})
	tests := []struct {
		name string
		p    lever.PostingsParams
		want []string
	}{
		{"default: public site only", lever.PostingsParams{}, sorted(pub.ID, unlisted.ID, closed.ID)},
		{"both channels", lever.PostingsParams{DistributionChannels: lever.AllChannels}, sorted(pub.ID, internalOnly.ID, unlisted.ID, closed.ID)},
		{"internal channel", lever.PostingsParams{States: []string{"published"}, DistributionChannels: []string{lever.ChannelInternal}}, []string{internalOnly.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.client.ListPostings(ctx, tt.p)
			var gotIDs []string
			for _, p := range got {
				gotIDs = append(gotIDs, p.ID)
			}
			slices.Sort(gotIDs)
			if err != nil || !slices.Equal(gotIDs, tt.want) {
				t.Errorf("got %v (%v), want %v", gotIDs, err, tt.want)
			}
		})
	}
	// A closed posting carries null channels and urls (recorded).
	all, _ := e.client.ListPostings(ctx, lever.PostingsParams{States: []string{"closed"}})
	if len(all) != 1 || all[0].DistributionChannels != nil || all[0].URLs.Show != "" {
		t.Errorf("closed posting decoded as %+v", all)
	}
}

// TestResumes: resumeFile on create becomes a resume (GET …/resumes), not a
// file; uploaded files come back in Lever's string form and decode.
func TestResumes(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	opp, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "R", Resume: &lever.Resume{FileName: "cv.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 cv")}})
	if err != nil {
		t.Fatal(err)
	}
	resumes, err := e.client.ListResumes(ctx, opp.ID)
	if err != nil || len(resumes) != 1 || resumes[0].File == nil || resumes[0].File.Name != "cv.pdf" || resumes[0].File.Size != 11 || resumes[0].File.Ext != "pdf" || resumes[0].CreatedAt == 0 {
		t.Fatalf("resumes = %+v, %v", resumes, err)
	}
	files, err := e.client.ListFiles(ctx, opp.ID)
	if err != nil || len(files) != 0 {
		t.Fatalf("files = %+v, %v; want none (the resume is not a file)", files, err)
	}
	if _, err := e.client.UploadFile(ctx, opp.ID, "letter.txt", "text/plain", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	files, err = e.client.ListFiles(ctx, opp.ID)
	if err != nil || len(files) != 1 || files[0].Size != 5 || files[0].UploadedAt == 0 || files[0].Ext != ".txt" {
		t.Fatalf("files = %+v, %v", files, err)
	}
	_, err = e.client.ListResumes(ctx, "missing")
	checkCode(t, err, apperr.NotFound, "")
}

// TestUnknownContact: a create naming an unknown (or merged) contact is
// refused with a typed error; retrying without contact dedupes by email.
func TestUnknownContact(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	_, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "M", Emails: []string{"m@example.com"}, Contact: "merged-away"})
	if !lever.IsUnknownContact(err) || apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("err = %v, want NotFound with reason %s", err, lever.ReasonUnknownContact)
	}
	if n := len(e.acc.Opportunities()); n != 0 {
		t.Fatalf("%d opportunities created by a refused create", n)
	}
	if _, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "M", Emails: []string{"m@example.com"}}); err != nil {
		t.Fatalf("retry without contact: %v", err)
	}
	// An unknown stage is Lever's documented ResourceNotFound, not "contact".
	_, err = e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "S", Stage: "nope"})
	checkCode(t, err, apperr.NotFound, "ResourceNotFound")
}

// Test429WithoutRetryAfter: Lever does not document Retry-After; a 429
// without it is retried after the client's own backoff.
func Test429WithoutRetryAfter(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{Retry: lever.RetryPolicy{MaxAttempts: 3, BaseDelay: 20 * time.Millisecond, MaxDelay: 20 * time.Millisecond}})
	ctx := ctxT(t)
	e.ts.FailNext("GET /stages", 2, leverfake.Failure{Kind: leverfake.KindRateLimited})
	start := time.Now()
	stages, err := e.client.ListStages(ctx)
	if err != nil || len(stages) == 0 {
		t.Fatalf("ListStages after two 429s: %v", err)
	}
	if n := e.ts.Calls("GET /stages"); n != 3 {
		t.Errorf("calls = %d, want 3", n)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("retried after %v: no backoff", d)
	}
	e.ts.FailNext("POST /opportunities/:id/notes", 3, leverfake.Failure{Kind: leverfake.KindRateLimited})
	opp, _ := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "x"})
	_, err = e.client.CreateNote(ctx, opp.ID, lever.NoteInput{Value: "v"})
	checkCode(t, err, apperr.RateLimited, "TooManyRequests")
	if ra := apperr.As(err).RetryAfter; ra != 0 {
		t.Errorf("RetryAfter = %v, want 0 (no header)", ra)
	}
}

// TestTokenLifecycle: refresh tokens die after 90 idle days and one year
// after the authorization; wrong client credentials are never
// invalid_grant.
func TestTokenLifecycle(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name    string
		steps   []time.Duration // advance, then refresh (keeping the rotated token)
		wantErr bool
	}{
		{"used every 89 days for 11 months", []time.Duration{89 * day, 89 * day, 89 * day, 60 * day}, false},
		{"idle 90 days", []time.Duration{90 * day}, true},
		{"absolute: a year after connect even when used", []time.Duration{89 * day, 89 * day, 89 * day, 89 * day, 20 * day}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, noRate(), lever.Config{})
			o, ctx := e.oauth(), ctxT(t)
			rt := e.tokens.RefreshToken
			var err error
			for _, d := range tt.steps {
				e.ts.Advance(d)
				var tok lever.Token
				if tok, err = o.Refresh(ctx, rt); err != nil {
					break
				}
				rt = tok.RefreshToken
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("refresh: %v", err)
				}
				return
			}
			checkCode(t, err, apperr.Unauthorized, lever.ReasonInvalidGrant)
			if lever.TokenFailureOf(err) != lever.TokenReconnect {
				t.Errorf("class = %q", lever.TokenFailureOf(err))
			}
		})
	}

	t.Run("wrong client secret on refresh", func(t *testing.T) {
		e := newEnv(t, noRate(), lever.Config{})
		bad := lever.NewOAuth(lever.OAuthConfig{ClientID: leverfake.DefaultClientID, ClientSecret: "rotated-away", Endpoints: e.ts.Endpoints(), HTTPClient: e.ts.Client()})
		_, err := bad.Refresh(ctxT(t), e.tokens.RefreshToken)
		checkCode(t, err, apperr.Transient, lever.ReasonClientRejected)
		// The grant itself is untouched.
		if _, err := e.oauth().Refresh(ctxT(t), e.tokens.RefreshToken); err != nil {
			t.Errorf("refresh with the right secret after a wrong one: %v", err)
		}
	})
}

// TestRegionRedirect: an account served by another data center answers 307
// to its host; reads, creates (with a resume), notes and refreshes work
// through it with the token kept, and a redirect elsewhere is refused
// without sending the token.
func TestRegionRedirect(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	region := e.ts.StartRegion(e.acc)
	t.Cleanup(region.Close)
	regionHost := strings.TrimPrefix(region.URL, "http://")
	ctx := ctxT(t)

	// Without the test host allowed, the client refuses to follow.
	_, err := e.client.ListStages(ctx)
	checkCode(t, err, apperr.Transient, "redirect_refused")

	c := lever.New(lever.Config{
		BaseURL: e.ts.Endpoints().APIBase, HTTPClient: e.ts.Client(), Tokens: lever.StaticToken(e.tokens.AccessToken),
		PerformAs: e.acc.AdminID(), RedirectHosts: []string{regionHost},
	})
	post := e.acc.AddPosting(leverfake.Posting{Text: "EU role"})
	if _, err := c.ListStages(ctx); err != nil {
		t.Fatalf("read through 307: %v", err)
	}
	opp, err := c.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Eva", Emails: []string{"eva@example.eu"}, Postings: []string{post.ID},
		Resume: &lever.Resume{FileName: "eva.pdf", Data: []byte("%PDF eva")}})
	if err != nil {
		t.Fatalf("create through 307: %v", err)
	}
	if _, err := c.CreateNote(ctx, opp.ID, lever.NoteInput{Value: "from the vendor"}); err != nil {
		t.Fatalf("note through 307: %v", err)
	}
	if n, r := len(e.acc.Notes(opp.ID)), len(e.acc.Resumes(opp.ID)); n != 1 || r != 1 {
		t.Errorf("notes %d resumes %d, want 1 and 1", n, r)
	}
	if got := e.ts.Calls("POST /opportunities"); got != 1 {
		t.Errorf("creates applied %d times, want 1", got)
	}
	o := lever.NewOAuth(lever.OAuthConfig{ClientID: leverfake.DefaultClientID, ClientSecret: leverfake.DefaultClientSecret,
		Endpoints: e.ts.Endpoints(), HTTPClient: e.ts.Client(), RedirectHosts: []string{regionHost}})
	if _, err := o.Refresh(ctx, e.tokens.RefreshToken); err != nil {
		t.Fatalf("refresh through 307: %v", err)
	}

	// A redirect to a host outside lever.co and the allow-list gets
	// nothing: no request, no token.
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(evil.Close)
	e.ts.FailNext("GET /stages", 1, leverfake.Failure{Status: http.StatusTemporaryRedirect, Header: map[string]string{"Location": evil.URL + "/v1/stages"}})
	_, err = e.client.ListStages(ctx)
	checkCode(t, err, apperr.Transient, "redirect_refused")
	if hits.Load() != 0 {
		t.Error("the client followed a redirect to a foreign host")
	}
}

// TestRedirectPolicyHosts checks which hosts a redirect may lead to.
func TestRedirectPolicyHosts(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", r.URL.Query().Get("to"))
		w.WriteHeader(http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		to      string
		allowed bool
	}{
		{"https://api.eu.lever.co/v1/stages", true},
		{"https://lever.co/v1/stages", true},
		{"http://api.eu.lever.co/v1/stages", false},
		{"https://api.lever.co.evil.example/v1/stages", false},
		{"https://evillever.co/v1/stages", false},
	} {
		c := lever.New(lever.Config{BaseURL: srv.URL + "/v1", Tokens: lever.StaticToken("t"), Retry: lever.RetryPolicy{MaxAttempts: 1},
			HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if r.URL.Host != strings.TrimPrefix(srv.URL, "http://") {
					got = append(got, r.URL.String())
					return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"data":[],"hasNext":false}`)), Header: http.Header{}}, nil
				}
				q := r.URL.Query()
				q.Set("to", tt.to)
				r.URL.RawQuery = q.Encode()
				return http.DefaultTransport.RoundTrip(r)
			})}})
		got = nil
		_, err := c.ListStages(ctxT(t))
		if (err == nil) != tt.allowed || (len(got) == 1) != tt.allowed {
			t.Errorf("redirect to %s: err %v, followed %v; want allowed=%v", tt.to, err, got, tt.allowed)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestNumbersAsStrings decodes Lever's documented file-upload example.
func TestNumbersAsStrings(t *testing.T) {
	var f lever.File
	raw := `{"id":"b02a","downloadUrl":"https://hire.lever.co/x","ext":".pdf","name":"a.pdf","uploadedAt":"1468953420000","status":"processed","size":"1000"}`
	if err := json.Unmarshal([]byte(raw), &f); err != nil || f.Size != 1000 || f.UploadedAt != 1468953420000 || f.Ext != ".pdf" {
		t.Fatalf("decoded %+v, %v", f, err)
	}
	if err := json.Unmarshal([]byte(`{"size":"ten"}`), &f); err == nil {
		t.Error("a non-numeric size decoded without error")
	}
}
