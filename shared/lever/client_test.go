package lever_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

func TestErrorMapping(t *testing.T) {
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		fail       leverfake.Failure
		n          int
		code       apperr.Code
		reason     string
		retryAfter time.Duration // minimum expected
		msg        string
	}{
		{"400 keeps message", leverfake.Failure{Status: 400, Code: "BadRequestError", Message: "Invalid stage"}, 1, apperr.Invalid, "BadRequestError", 0, "Invalid stage"},
		{"401 twice", leverfake.Failure{Status: 401, Code: "UnauthorizedError"}, 2, apperr.Unauthorized, "token_rejected", 0, ""},
		{"403", leverfake.Failure{Status: 403, Code: "ForbiddenError", Message: "Not allowed"}, 1, apperr.Forbidden, "", 0, ""},
		{"404", leverfake.Failure{Status: 404, Code: "ResourceNotFound", Message: "stages x was not found"}, 1, apperr.NotFound, "", 0, ""},
		{"422", leverfake.Failure{Status: 422, Code: "UnprocessableEntity", Message: "Could not process file"}, 1, apperr.Invalid, "", 0, "Could not process file"},
		{"429 seconds", leverfake.Failure{Status: 429, Header: map[string]string{"Retry-After": "7"}}, 1, apperr.RateLimited, "", 7 * time.Second, ""},
		{"429 date", leverfake.Failure{Status: 429, Header: map[string]string{"Retry-After": date}}, 1, apperr.RateLimited, "", 25 * time.Second, ""},
		{"429 no header", leverfake.Failure{Status: 429}, 1, apperr.RateLimited, "", 0, ""},
		{"500", leverfake.Failure{Status: 500}, 1, apperr.Transient, "", 0, ""},
		{"502", leverfake.Failure{Status: 502}, 1, apperr.Transient, "", 0, ""},
		{"503", leverfake.Failure{Status: 503}, 1, apperr.Transient, "", 0, ""},
		{"connection dropped", leverfake.Failure{Kind: leverfake.KindDrop}, 1, apperr.Transient, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, noRate(), lever.Config{Retry: lever.RetryPolicy{MaxAttempts: 1}})
			e.ts.FailNext("GET /stages", tt.n, tt.fail)
			_, err := e.client.ListStages(ctxT(t))
			checkCode(t, err, tt.code, tt.reason)
			ae := apperr.As(err)
			if ae.RetryAfter < tt.retryAfter || (tt.retryAfter == 0 && ae.RetryAfter != 0) {
				t.Errorf("RetryAfter = %v, want >= %v", ae.RetryAfter, tt.retryAfter)
			}
			if !strings.Contains(ae.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", ae.Message, tt.msg)
			}
			if !strings.Contains(err.Error(), "GET /stages") {
				t.Errorf("error %q does not name the endpoint", err)
			}
			if strings.Contains(err.Error(), e.tokens.AccessToken) {
				t.Error("error contains the access token")
			}
		})
	}
}

// recordingTokens is a TokenProvider that hands out numbered tokens valid
// at the fake and records invalidations.
type recordingTokens struct {
	tokens      []string
	invalidated []string
}

func (r *recordingTokens) AccessToken(context.Context) (string, error) {
	return r.tokens[len(r.invalidated)], nil
}

func (r *recordingTokens) Invalidate(_ context.Context, tok string) {
	r.invalidated = append(r.invalidated, tok)
}

func Test401RefreshesOnceAndRetries(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	rt := &recordingTokens{tokens: []string{e.tokens.AccessToken, e.acc.Authorize().AccessToken}}
	c := lever.New(lever.Config{BaseURL: e.ts.Endpoints().APIBase, HTTPClient: e.ts.Client(), Tokens: rt, PerformAs: e.acc.AdminID()})

	// A POST is replayed once after a 401: nothing was applied.
	e.ts.FailNext("POST /opportunities", 1, leverfake.Failure{Status: 401})
	opp, err := c.CreateOpportunity(ctxT(t), lever.OpportunityInput{Name: "Ada", Emails: []string{"ada@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rt.invalidated, []string{rt.tokens[0]}; !slices.Equal(got, want) {
		t.Errorf("invalidated %d tokens, want exactly the first", len(got))
	}
	if n := e.ts.Calls("POST /opportunities"); n != 2 {
		t.Errorf("POST /opportunities calls = %d, want 2", n)
	}
	if got := len(e.acc.Opportunities()); got != 1 || opp.ID == "" {
		t.Errorf("opportunities = %d, want 1", got)
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	e.acc.AddPostings(260, leverfake.Posting{Text: "Engineer", Categories: leverfake.Categories{Team: "Eng", Location: "Paris"}})
	e.acc.AddPostings(5, leverfake.Posting{Text: "Secret", Confidentiality: "confidential"})
	e.acc.AddPostings(7, leverfake.Posting{Text: "Closed", State: "closed"})

	tests := []struct {
		name      string
		params    lever.PostingsParams
		want      int
		wantCalls int
	}{
		{"default", lever.PostingsParams{}, 267, 3},
		{"all confidentiality", lever.PostingsParams{Confidentiality: "all"}, 272, 3},
		{"published only", lever.PostingsParams{States: []string{"published"}}, 260, 3},
		{"closed and published", lever.PostingsParams{States: []string{"closed", "published"}}, 267, 3},
		{"small pages", lever.PostingsParams{States: []string{"closed"}, Limit: 3}, 7, 3},
		{"confidential", lever.PostingsParams{Confidentiality: "confidential"}, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.ts.Calls("GET /postings")
			got, err := e.client.ListPostings(ctx, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("got %d postings, want %d", len(got), tt.want)
			}
			if calls := e.ts.Calls("GET /postings") - before; calls != tt.wantCalls {
				t.Errorf("pages fetched = %d, want %d", calls, tt.wantCalls)
			}
			seen := map[string]bool{}
			for _, p := range got {
				if seen[p.ID] {
					t.Fatalf("posting %s returned twice", p.ID)
				}
				seen[p.ID] = true
			}
		})
	}

	all, _ := e.client.ListPostings(ctx, lever.PostingsParams{})
	p := all[0]
	if p.Text != "Engineer #1" || p.State != "published" || p.Categories.Team != "Eng" || p.CreatedAt.Time().IsZero() ||
		!strings.HasSuffix(p.URLs.Show, "/"+p.ID) || p.Owner != e.acc.AdminID() || p.Confidentiality != "non-confidential" {
		t.Errorf("posting decoded as %+v", p)
	}

	page, err := e.client.PostingsPage(ctx, lever.PostingsParams{}, "")
	if err != nil || len(page.Data) != 100 || !page.HasNext || page.Next == "" {
		t.Fatalf("first page: %d items hasNext=%v err=%v", len(page.Data), page.HasNext, err)
	}
	page2, err := e.client.PostingsPage(ctx, lever.PostingsParams{}, page.Next)
	if err != nil || len(page2.Data) != 100 || page2.Data[0].ID == page.Data[0].ID {
		t.Fatalf("second page: %d items err=%v", len(page2.Data), err)
	}
	_, err = e.client.PostingsPage(ctx, lever.PostingsParams{}, "not-an-offset")
	checkCode(t, err, apperr.Invalid, "")
}

func TestCreateOpportunityMultipart(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	post := e.acc.AddPosting(leverfake.Posting{Text: "Go Engineer"})
	rita := e.acc.AddUser(leverfake.User{Name: "Rita", Email: "rita@acme.example"})
	resume := bytes.Repeat([]byte("%PDF-1.7 resume\x00\xff"), 1000)
	created := time.Now().Add(-48 * time.Hour).Truncate(time.Millisecond)

	opp, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{
		Name: "Ada Lovelace", Headline: "Engineer", Location: "London",
		Phones:  []lever.Phone{{Type: "mobile", Value: "+44 1"}, {Type: "work", Value: "+44 2"}},
		Emails:  []string{"ada@example.com", "ada@work.example"},
		Links:   []string{"https://market.example/c/1", "https://linkedin.com/in/ada"},
		Tags:    []string{"go", "remote"},
		Sources: []string{"Market"}, Origin: lever.OriginSourced,
		Owner: rita.ID, Followers: []string{rita.ID},
		Postings: []string{post.ID}, Stage: lever.StageLeadNew, CreatedAt: created,
		Resume: &lever.Resume{FileName: "ada.pdf", ContentType: "application/pdf", Data: resume},
	})
	if err != nil {
		t.Fatal(err)
	}

	form := e.ts.LastForm()
	wantForm := map[string][]string{
		"name": {"Ada Lovelace"}, "headline": {"Engineer"}, "location": {"London"},
		"phones[0][type]": {"mobile"}, "phones[0][value]": {"+44 1"},
		"phones[1][type]": {"work"}, "phones[1][value]": {"+44 2"},
		"emails[]":  {"ada@example.com", "ada@work.example"},
		"links[]":   {"https://market.example/c/1", "https://linkedin.com/in/ada"},
		"tags[]":    {"go", "remote"},
		"sources[]": {"Market"}, "origin": {"sourced"}, "owner": {rita.ID},
		"followers[]": {rita.ID}, "postings[]": {post.ID}, "stage": {"lead-new"},
		"createdAt": {strconv.FormatInt(created.UnixMilli(), 10)},
	}
	for k, want := range wantForm {
		if got := form[k]; !slices.Equal(got, want) {
			t.Errorf("form[%q] = %q, want %q", k, got, want)
		}
	}
	if len(form) != len(wantForm) {
		t.Errorf("form has %d fields, want %d: %v", len(form), len(wantForm), form)
	}

	files := e.acc.Files(opp.ID)
	if len(files) != 1 || !files[0].Resume || files[0].Name != "ada.pdf" || files[0].ContentType != "application/pdf" || !bytes.Equal(files[0].Data, resume) {
		t.Fatalf("resume not stored intact: %d files", len(files))
	}

	got := e.acc.Opportunities()[0]
	if got.Encoding != "multipart" || got.Stage != "lead-new" || got.Owner != rita.ID || got.CreatedAt != created.UnixMilli() {
		t.Errorf("stored opportunity = %+v", got)
	}
	if opp.URLs.Show != "https://hire.lever.co/candidates/"+opp.ID || opp.Contact == "" ||
		len(opp.Applications) != 1 || !slices.Contains(opp.Followers, e.acc.AdminID()) || len(opp.Phones) != 2 {
		t.Errorf("response decoded as %+v", opp)
	}
}

func TestCreateOpportunityJSONAndDedupe(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	p1 := e.acc.AddPosting(leverfake.Posting{Text: "One"})
	p2 := e.acc.AddPosting(leverfake.Posting{Text: "Two"})

	first, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Grace", Emails: []string{"Grace@Example.com"}, Postings: []string{p1.ID}, Origin: lever.OriginApplied})
	if err != nil {
		t.Fatal(err)
	}
	// Same email, other posting: Lever attaches the new opportunity to the
	// existing contact and keeps the existing contact's name.
	second, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "G. Hopper", Emails: []string{"grace@example.com"}, Postings: []string{p2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	// Explicit contact, no posting (a general opportunity).
	third, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Contact: first.Contact, Links: []string{"https://x.example/g"}})
	if err != nil {
		t.Fatal(err)
	}
	if second.Contact != first.Contact || third.Contact != first.Contact || second.Name != "Grace" {
		t.Errorf("contacts %s %s %s, name %q; want one contact named Grace", first.Contact, second.Contact, third.Contact, second.Name)
	}
	if enc := e.acc.Opportunities()[0].Encoding; enc != "json" {
		t.Errorf("encoding = %q, want json", enc)
	}

	tests := []struct {
		name   string
		filter lever.OppFilter
		want   []string
	}{
		{"email", lever.OppFilter{Email: " GRACE@example.com"}, []string{first.ID, second.ID, third.ID}},
		{"email and posting", lever.OppFilter{Email: "grace@example.com", PostingID: p2.ID}, []string{second.ID}},
		{"contact", lever.OppFilter{ContactID: first.Contact}, []string{first.ID, second.ID, third.ID}},
		{"unknown email", lever.OppFilter{Email: "nobody@example.com"}, nil},
	}
	for _, tt := range tests {
		got, err := e.client.ListOpportunities(ctx, tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
		}
	}

	got, err := e.client.GetOpportunity(ctx, second.ID)
	if err != nil || got.ID != second.ID || got.Origin != "" || got.Stage != "lead-new" {
		t.Errorf("GetOpportunity = %+v, %v", got, err)
	}
	_, err = e.client.GetOpportunity(ctx, "missing")
	checkCode(t, err, apperr.NotFound, "")
}

func TestCreateOpportunityRejectsInput(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	p1 := e.acc.AddPosting(leverfake.Posting{})
	p2 := e.acc.AddPosting(leverfake.Posting{})
	gone := e.acc.AddUser(leverfake.User{Email: "gone@acme.example"})
	e.acc.DeactivateUser(gone.ID)

	tests := []struct {
		name     string
		client   *lever.Client
		in       lever.OpportunityInput
		field    string
		wantPOST int // requests that reached the fake
	}{
		{"two postings", e.client, lever.OpportunityInput{Postings: []string{p1.ID, p2.ID}}, "postings", 0},
		{"two postings multipart", e.client, lever.OpportunityInput{Postings: []string{p1.ID, p2.ID}, Resume: &lever.Resume{Data: []byte("x")}}, "postings", 0},
		{"no perform_as", lever.New(lever.Config{BaseURL: e.ts.Endpoints().APIBase, Tokens: lever.StaticToken(e.tokens.AccessToken)}), lever.OpportunityInput{}, "perform_as", 0},
		{"deactivated perform_as", lever.New(lever.Config{BaseURL: e.ts.Endpoints().APIBase, HTTPClient: e.ts.Client(), Tokens: lever.StaticToken(e.tokens.AccessToken), PerformAs: gone.ID}), lever.OpportunityInput{}, "", 1},
		{"unknown posting", e.client, lever.OpportunityInput{Postings: []string{"nope"}}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.ts.Calls("POST /opportunities")
			_, err := tt.client.CreateOpportunity(ctx, tt.in)
			checkCode(t, err, apperr.Invalid, "")
			if ae := apperr.As(err); ae.Field != tt.field {
				t.Errorf("field = %q, want %q", ae.Field, tt.field)
			}
			if n := e.ts.Calls("POST /opportunities") - before; n != tt.wantPOST {
				t.Errorf("requests at the fake = %d, want %d", n, tt.wantPOST)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		endpoint  string
		fail      leverfake.Failure
		n         int
		call      func(ctx context.Context, e *env, oppID string) error
		wantCode  apperr.Code
		wantCalls int
	}{
		{"GET retries 503 then succeeds", "GET /opportunities/:id", leverfake.Failure{Status: 503}, 2,
			func(ctx context.Context, e *env, id string) error {
				_, err := e.client.GetOpportunity(ctx, id)
				return err
			}, "", 3},
		{"GET retries 429 then succeeds", "GET /opportunities/:id", leverfake.Failure{Status: 429, Header: map[string]string{"Retry-After": "0.01"}}, 1,
			func(ctx context.Context, e *env, id string) error {
				_, err := e.client.GetOpportunity(ctx, id)
				return err
			}, "", 2},
		{"GET gives up after 3 attempts", "GET /opportunities/:id", leverfake.Failure{Status: 500}, 5,
			func(ctx context.Context, e *env, id string) error {
				_, err := e.client.GetOpportunity(ctx, id)
				return err
			}, apperr.Transient, 3},
		{"GET does not retry 404", "GET /opportunities/:id", leverfake.Failure{Status: 404}, 5,
			func(ctx context.Context, e *env, id string) error {
				_, err := e.client.GetOpportunity(ctx, id)
				return err
			}, apperr.NotFound, 1},
		{"PUT stage retries 502", "PUT /opportunities/:id/stage", leverfake.Failure{Status: 502}, 1,
			func(ctx context.Context, e *env, id string) error {
				return e.client.ChangeStage(ctx, id, lever.StageLeadReachedOut)
			}, "", 2},
		{"POST create not retried on 503", "POST /opportunities", leverfake.Failure{Status: 503}, 1,
			func(ctx context.Context, e *env, _ string) error {
				_, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "x"})
				return err
			}, apperr.Transient, 1},
		{"POST note retried after a 429 (nothing applied)", "POST /opportunities/:id/notes", leverfake.Failure{Status: 429, Header: map[string]string{"Retry-After": "0.01"}}, 1,
			func(ctx context.Context, e *env, id string) error {
				_, err := e.client.CreateNote(ctx, id, lever.NoteInput{Value: "hi"})
				return err
			}, "", 2},
		{"POST create gives up after 3 429s", "POST /opportunities", leverfake.Failure{Status: 429, Header: map[string]string{"Retry-After": "0.01"}}, 5,
			func(ctx context.Context, e *env, _ string) error {
				_, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "x"})
				return err
			}, apperr.RateLimited, 3},
		{"POST file not retried on drop", "POST /opportunities/:id/files", leverfake.Failure{Kind: leverfake.KindDrop}, 1,
			func(ctx context.Context, e *env, id string) error {
				_, err := e.client.UploadFile(ctx, id, "a.txt", "text/plain", strings.NewReader("hello"))
				return err
			}, apperr.Transient, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, noRate(), lever.Config{})
			ctx := ctxT(t)
			opp, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Seed"})
			if err != nil {
				t.Fatal(err)
			}
			before, beforeHook := e.ts.Calls(tt.endpoint), e.calls.get(tt.endpoint)
			e.ts.FailNext(tt.endpoint, tt.n, tt.fail)
			err = tt.call(ctx, e, opp.ID)
			if apperr.CodeOf(err) != tt.wantCode {
				t.Fatalf("err = %v, want code %q", err, tt.wantCode)
			}
			if n := e.ts.Calls(tt.endpoint) - before; n != tt.wantCalls {
				t.Errorf("calls at the fake = %d, want %d", n, tt.wantCalls)
			}
			if n := e.calls.get(tt.endpoint) - beforeHook; n != tt.wantCalls {
				t.Errorf("OnCall reports = %d, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestLostResponseAppliesWrite(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	post := e.acc.AddPosting(leverfake.Posting{})
	e.ts.FailNext("POST /opportunities", 1, leverfake.Failure{Kind: leverfake.KindLostResponse})
	_, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Emails: []string{"lost@example.com"}, Postings: []string{post.ID}})
	checkCode(t, err, apperr.Transient, "")
	// The documented recovery: look before writing again.
	found, err := e.client.ListOpportunities(ctx, lever.OppFilter{Email: "lost@example.com", PostingID: post.ID})
	if err != nil || len(found) != 1 {
		t.Fatalf("lookup after lost response: %d found, err %v; want 1", len(found), err)
	}
}

func TestNoRedirectOnWrites(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	e.ts.FailNext("POST /opportunities", 1, leverfake.Failure{Status: 301, Header: map[string]string{"Location": e.ts.URL + "/v1/opportunities"}})
	_, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "x"})
	checkCode(t, err, apperr.Transient, "")
	if !strings.Contains(err.Error(), "redirect") {
		t.Errorf("error %q does not mention the redirect", err)
	}
	if n, m := e.ts.Calls("POST /opportunities"), e.ts.Calls("GET /opportunities"); n != 1 || m != 0 {
		t.Errorf("POST calls %d, GET calls %d; want 1 and 0", n, m)
	}

	// GETs still follow redirects.
	e.ts.FailNext("GET /stages", 1, leverfake.Failure{Status: 302, Header: map[string]string{"Location": e.ts.URL + "/v1/stages?limit=100"}})
	stages, err := e.client.ListStages(ctx)
	if err != nil || len(stages) != len(leverfake.DefaultStages) {
		t.Errorf("GET after redirect: %d stages, err %v", len(stages), err)
	}
}

func TestContextDeadline(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{Retry: lever.RetryPolicy{BaseDelay: 10 * time.Second}})
	tests := []struct {
		name string
		fail leverfake.Failure
		code apperr.Code
	}{
		{"hang", leverfake.Failure{Kind: leverfake.KindTimeout}, apperr.Transient},
		{"backoff longer than deadline", leverfake.Failure{Status: 503}, apperr.Transient},
		{"retry-after longer than deadline", leverfake.Failure{Status: 429, Header: map[string]string{"Retry-After": "60"}}, apperr.RateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.ts.FailNext("GET /stages", 1, tt.fail)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := e.client.ListStages(ctx)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("returned after %v, want about the 300ms deadline", d)
			}
			checkCode(t, err, tt.code, "")
		})
	}
	e.ts.FailNext("GET /stages", 1, leverfake.Failure{Kind: leverfake.KindTimeout})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := e.client.ListStages(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
}

func TestRateLimit429(t *testing.T) {
	fixed := time.Now()
	e := newEnv(t, leverfake.Options{Now: func() time.Time { return fixed }}, lever.Config{Retry: lever.RetryPolicy{MaxAttempts: 1}})
	ctx := ctxT(t)
	ok, limited := 0, 0
	for range 25 {
		_, err := e.client.ListStages(ctx)
		switch apperr.CodeOf(err) {
		case "":
			ok++
		case apperr.RateLimited:
			limited++
			if ra := apperr.As(err).RetryAfter; ra != time.Second {
				t.Errorf("RetryAfter = %v, want 1s", ra)
			}
		default:
			t.Fatal(err)
		}
	}
	if ok != 20 || limited != 5 {
		t.Errorf("ok %d, limited %d; want burst 20 then 5 × 429", ok, limited)
	}
}

func TestDuplicateDetector(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	post := e.acc.AddPosting(leverfake.Posting{})
	in := lever.OpportunityInput{Emails: []string{"dup@example.com"}, Postings: []string{post.ID}}
	a, err := e.client.CreateOpportunity(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if d := e.ts.Duplicates(); len(d) != 0 {
		t.Fatalf("duplicates after one create: %+v", d)
	}
	b, err := e.client.CreateOpportunity(ctx, in) // the mistake a blind retry makes
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := e.client.CreateNote(ctx, a.ID, lever.NoteInput{Value: "Sent a message [ll:act-1]"}); err != nil {
			t.Fatal(err)
		}
	}
	got := e.ts.Duplicates()
	if len(got) != 2 {
		t.Fatalf("duplicates = %+v, want 2", got)
	}
	if got[0].Kind != "opportunity" || got[0].PostingID != post.ID || !slices.Equal(got[0].IDs, []string{a.ID, b.ID}) {
		t.Errorf("opportunity duplicate = %+v", got[0])
	}
	if got[1].Kind != "note" || got[1].OpportunityID != a.ID || len(got[1].IDs) != 2 {
		t.Errorf("note duplicate = %+v", got[1])
	}
}

func TestUsers(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	rita := e.acc.AddUser(leverfake.User{Name: "Rita", Email: "rita@acme.example", AccessRole: "admin"})
	olga := e.acc.AddUser(leverfake.User{Name: "Olga", Email: "olga@acme.example"})
	e.acc.DeactivateUser(olga.ID)

	active, err := e.client.ListUsers(ctx, lever.ListUsersParams{})
	if err != nil || len(active) != 2 {
		t.Fatalf("active users = %d, err %v; want 2", len(active), err)
	}
	all, err := e.client.ListUsers(ctx, lever.ListUsersParams{IncludeDeactivated: true})
	if err != nil || len(all) != 3 || all[2].Active() || all[2].DeactivatedAt.Time().IsZero() {
		t.Fatalf("all users = %+v, err %v", all, err)
	}

	tests := []struct {
		email  string
		id     string
		code   apperr.Code
		reason string
	}{
		{"RITA@acme.example", rita.ID, "", ""},
		{"olga@acme.example", "", apperr.NotFound, "user_deactivated"},
		{"nobody@acme.example", "", apperr.NotFound, ""},
		{"", "", apperr.Invalid, ""},
	}
	for _, tt := range tests {
		u, err := e.client.UserByEmail(ctx, tt.email)
		if apperr.CodeOf(err) != tt.code || apperr.ReasonOf(err) != tt.reason || u.ID != tt.id {
			t.Errorf("UserByEmail(%q) = %q, %v; want %q, %q/%q", tt.email, u.ID, err, tt.id, tt.code, tt.reason)
		}
	}
}

func TestNotesFilesStages(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	opp, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Name: "N"})
	if err != nil {
		t.Fatal(err)
	}

	stages, err := e.client.ListStages(ctx)
	if err != nil || len(stages) != len(leverfake.DefaultStages) || stages[0] != (lever.Stage{ID: "lead-new", Text: "New lead"}) {
		t.Fatalf("stages = %+v, %v", stages, err)
	}

	past := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	id, err := e.client.CreateNote(ctx, opp.ID, lever.NoteInput{Value: "History: 3 messages", Secret: true, CreatedAt: past})
	if err != nil || id == "" {
		t.Fatalf("CreateNote = %q, %v", id, err)
	}
	_, err = e.client.CreateNote(ctx, opp.ID, lever.NoteInput{})
	checkCode(t, err, apperr.Invalid, "")
	_, err = e.client.CreateNote(ctx, "missing", lever.NoteInput{Value: "x"})
	checkCode(t, err, apperr.NotFound, "")
	notes, err := e.client.ListNotes(ctx, opp.ID)
	if err != nil || len(notes) != 1 || notes[0].ID != id || notes[0].Body() != "History: 3 messages" || !notes[0].Secret || !notes[0].CreatedAt.Time().Equal(past) {
		t.Fatalf("notes = %+v, %v", notes, err)
	}

	f, err := e.client.UploadFile(ctx, opp.ID, "cv.txt", "text/plain", strings.NewReader("plain cv"))
	if err != nil || f.ID == "" || f.Name != "cv.txt" || f.Ext != ".txt" || f.Size != 8 || f.Status != "processed" {
		t.Fatalf("UploadFile = %+v, %v", f, err)
	}
	if stored := e.acc.Files(opp.ID); len(stored) != 1 || string(stored[0].Data) != "plain cv" || stored[0].ContentType != "text/plain" {
		t.Errorf("stored file = %+v", stored)
	}

	if err := e.client.ChangeStage(ctx, opp.ID, lever.StageLeadResponded); err != nil {
		t.Fatal(err)
	}
	got, _ := e.client.GetOpportunity(ctx, opp.ID)
	if got.Stage != lever.StageLeadResponded {
		t.Errorf("stage = %q, want %q", got.Stage, lever.StageLeadResponded)
	}
	// Lever's documented example error: unknown stage → 404 ResourceNotFound.
	checkCode(t, e.client.ChangeStage(ctx, opp.ID, "no-such-stage"), apperr.NotFound, "ResourceNotFound")
	checkCode(t, e.client.ChangeStage(ctx, "missing", lever.StageOffer), apperr.NotFound, "")
}

func TestConfidentialOpportunities(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	secret := e.acc.AddPosting(leverfake.Posting{Confidentiality: "confidential"})
	if _, err := e.client.CreateOpportunity(ctx, lever.OpportunityInput{Emails: []string{"c@example.com"}, Postings: []string{secret.ID}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		conf string
		want int
	}{{"", 0}, {"all", 1}}
	for _, tt := range tests {
		got, err := e.client.ListOpportunities(ctx, lever.OppFilter{Email: "c@example.com", PostingID: secret.ID, Confidentiality: tt.conf})
		if err != nil || len(got) != tt.want {
			t.Errorf("confidentiality %q: %d found, err %v; want %d", tt.conf, len(got), err, tt.want)
		}
	}
}
