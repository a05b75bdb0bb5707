package export

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// faultyDB wraps the exporter's DynamoDB client and fails chosen marker
// writes once: "before" fails without writing (the process died before
// the write), "after" writes and then fails (it died before it learned the
// outcome).
type faultyDB struct {
	dynamo.DB
	mu     sync.Mutex
	faults []*dbFault
}

type dbFault struct {
	op, sk string // "UpdateItem" | "PutItem"; the exact sort key
	after  bool
	fired  bool
}

func (d *faultyDB) arm(op, sk string, after bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = append(d.faults, &dbFault{op: op, sk: sk, after: after})
}

// take returns the armed fault matching op and key, if any.
func (d *faultyDB) take(op string, key map[string]types.AttributeValue) *dbFault {
	sk, _ := key["sk"].(*types.AttributeValueMemberS)
	if sk == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.faults {
		if !f.fired && f.op == op && f.sk == sk.Value {
			return f
		}
	}
	return nil
}

func (d *faultyDB) fire(f *dbFault) {
	d.mu.Lock()
	f.fired = true
	d.mu.Unlock()
}

// unfired lists the faults that never matched a write (a scenario that did
// not reach its step tests nothing).
func (d *faultyDB) unfired() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, f := range d.faults {
		if !f.fired {
			out = append(out, fmt.Sprintf("%s %s after=%v", f.op, f.sk, f.after))
		}
	}
	return out
}

var errInjected = &smithy.GenericAPIError{Code: "InternalServerError", Message: "injected crash", Fault: smithy.FaultServer}

func (d *faultyDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f := d.take("UpdateItem", in.Key)
	if f != nil && !f.after {
		d.fire(f)
		return nil, errInjected
	}
	out, err := d.DB.UpdateItem(ctx, in, opts...)
	if f != nil && err == nil {
		d.fire(f)
		return nil, errInjected
	}
	return out, err
}

func (d *faultyDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f := d.take("PutItem", in.Item)
	if f != nil && !f.after {
		d.fire(f)
		return nil, errInjected
	}
	out, err := d.DB.PutItem(ctx, in, opts...)
	if f != nil && err == nil {
		d.fire(f)
		return nil, errInjected
	}
	return out, err
}

// crashFixture is a fixture whose exporter writes markers through a
// faultyDB, with short claim staleness and visibility so redeliveries come
// fast.
func crashFixture(t *testing.T) (*fixture, *faultyDB) {
	f := setup(t, apptest.WithStaleAfter(300*time.Millisecond))
	raw, err := dynamo.NewClient(context.Background(), os.Getenv("DYNAMODB_ENDPOINT"))
	if err != nil {
		t.Fatal(err)
	}
	db := &faultyDB{DB: raw}
	st := dynamo.NewExports(db, dynamo.Tables{Exports: f.App.Config.ExportsTable})
	f.App.Exporter.Markers, f.App.Exporter.Contacts = st, st
	f.Exports.Visibility = time.Second
	f.link("pos-1", f.postings[0].ID, "")
	return f, db
}

// story sends the whole life of candidate id: accepted with one message in
// its history, then a team note, an inbound reply, and the history message
// again under a new event id.
func (f *fixture) story(id string, extra ...map[string]any) {
	f.t.Helper()
	mods := append([]map[string]any{{"messages": []map[string]any{
		{"id": "m1", "direction": "outbound", "sentAt": "2026-01-01T10:00:00Z", "body": "Hello " + id}}}}, extra...)
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand(id, mods...)), 202, "queued")
	f.send(noteEvent(id, "n1", "Team note on "+id), 202, "queued")
	f.send(msgEvent(id, "m2", "inbound", "Reply from "+id), 202, "queued")
	f.send(msgEvent(id, "m1", "outbound", "Hello "+id), 202, "queued")
}

// checkStory asserts exactly-once visible effects for candidate id: one
// opportunity, one note per activity (history, n1, m2), the reply's stage,
// and an exported marker.
func (f *fixture) checkStory(t *testing.T, id string, opp func() []leverfake.Opportunity) {
	t.Helper()
	opps := opp()
	if len(opps) != 1 {
		t.Errorf("%s: got %d opportunities, want 1", id, len(opps))
		return
	}
	o := opps[0]
	notes := f.noteTexts(o.ID)
	for _, ref := range []string{id + "/history]", id + "/note:n1]", id + "/message:m2]"} {
		if got := countContaining(notes, ref); got != 1 {
			t.Errorf("%s: notes carrying %q: got %d, want 1", id, ref, got)
		}
	}
	if len(notes) != 3 {
		t.Errorf("%s: got %d notes, want 3:\n%s", id, len(notes), strings.Join(notes, "\n---\n"))
	}
	if o.Stage != "lead-responded" {
		t.Errorf("%s: stage %q, want lead-responded", id, o.Stage)
	}
	if st := f.status(id); st.State != "exported" || st.OpportunityID != o.ID || st.LeverURL != o.URLs.Show {
		t.Errorf("%s: status %+v, want exported to %s", id, st, o.ID)
	}
}

// TestCrashMarkerWrites: a crash before and after every marker write of an
// export and its pushes, then redelivery → exactly one opportunity and one
// note per activity. Each candidate gets one fault; all run at once. (m1,
// held by the history note, has no marker write: its push reads the
// history marker, which lists it from the claim on.)
func TestCrashMarkerWrites(t *testing.T) {
	f, db := crashFixture(t)
	var ids []string
	for _, step := range []struct{ op, sk string }{
		{"UpdateItem", "export#%s"},                        // claim the export
		{"PutItem", "export#%s"},                           // confirm the export
		{"UpdateItem", "activity#%s#history"},              // claim the history note
		{"PutItem", "activity#%s#history"},                 // confirm the history note
		{"UpdateItem", "activity#%s#note:n1"},              // claim the pushed note
		{"PutItem", "activity#%s#note:n1"},                 // confirm the pushed note
		{"UpdateItem", "activity#%s#message:m2"},           // claim the pushed reply
		{"PutItem", "activity#%s#message:m2"},              // confirm the pushed reply
		{"UpdateItem", "activity#%s#stage:lead-responded"}, // claim the stage change
		{"PutItem", "activity#%s#stage:lead-responded"},    // confirm the stage change
		{"PutItem", "linkedin#linkedin.com/in/%s"},         // record the LinkedIn contact
	} {
		for _, after := range []bool{false, true} {
			id := fmt.Sprintf("k%d", len(ids))
			db.arm(step.op, fmt.Sprintf(step.sk, id), after)
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		f.story(id, map[string]any{"linkedinUrl": "https://www.linkedin.com/in/" + id})
	}
	failed := f.drain(true)
	if failed == 0 {
		t.Errorf("no message failed: the faults were not injected")
	}
	if u := db.unfired(); len(u) != 0 {
		t.Errorf("faults never reached: %v", u)
	}
	for _, id := range ids {
		f.checkStory(t, id, func() []leverfake.Opportunity { return f.oppsOf(email(id)) })
	}
	f.noDuplicates()
}

// TestCrashLeverCalls: each Lever call of the story fails before being
// applied (5xx, timeout) or after (applied, response lost), then the job is
// redelivered → exactly one opportunity and one note per activity. One
// candidate at a time, so each fault hits the step it names.
func TestCrashLeverCalls(t *testing.T) {
	lost := leverfake.Failure{Kind: leverfake.KindLostResponse}
	fail := leverfake.Failure{Kind: leverfake.KindError}
	hang := leverfake.Failure{Kind: leverfake.KindTimeout, Hang: 200 * time.Millisecond}
	type fault struct {
		endpoint string
		n        int
		fl       leverfake.Failure
	}
	cases := []struct {
		name   string
		faults []fault
		noMail bool
	}{
		{name: "look-up fails", faults: []fault{{"GET /opportunities", 3, fail}}},
		{name: "create fails", faults: []fault{{"POST /opportunities", 1, fail}}},
		{name: "create times out", faults: []fault{{"POST /opportunities", 1, hang}}},
		{name: "create applied, response lost", faults: []fault{{"POST /opportunities", 1, lost}}},
		{name: "create lost twice", faults: []fault{{"POST /opportunities", 2, lost}}},
		{name: "history note fails", faults: []fault{{"POST /opportunities/:id/notes", 1, fail}}},
		{name: "history note times out", faults: []fault{{"POST /opportunities/:id/notes", 1, hang}}},
		{name: "history and pushed notes lost", faults: []fault{{"POST /opportunities/:id/notes", 3, lost}}},
		{name: "note lost, then note look-up fails", faults: []fault{{"POST /opportunities/:id/notes", 1, lost}, {"GET /opportunities/:id/notes", 3, fail}}},
		{name: "stage read fails", faults: []fault{{"GET /opportunities/:id", 3, fail}}},
		{name: "stage change lost", faults: []fault{{"PUT /opportunities/:id/stage", 3, lost}}},
		{name: "LinkedIn-only candidate, create lost", faults: []fault{{"POST /opportunities", 1, lost}}, noMail: true},
	}
	// Two halves in parallel, each on its own stack; within a half one
	// candidate at a time.
	for half := range 2 {
		t.Run(fmt.Sprintf("half-%d", half), func(t *testing.T) {
			f, _ := crashFixture(t)
			for i, tc := range cases {
				if i%2 == half {
					f.crashLeverCase(t, i, tc.name, tc.noMail, func() {
						for _, fl := range tc.faults {
							f.Fake.FailNext(fl.endpoint, fl.n, fl.fl)
						}
					})
				}
			}
			f.noDuplicates()
		})
	}
}

// crashLeverCase runs the story of one candidate with the faults inject
// arms, then checks its exactly-once effects.
func (f *fixture) crashLeverCase(t *testing.T, i int, name string, noMail bool, inject func()) {
	t.Run(name, func(t *testing.T) {
		// Helpers fail the subtest, from its own goroutine.
		pt, pT := f.t, f.T
		f.t, f.T = t, t
		defer func() { f.t, f.T = pt, pT }()
		id := fmt.Sprintf("l%d", i)
		li := "https://www.linkedin.com/in/" + id
		inject()
		extra := map[string]any{"linkedinUrl": li}
		if noMail {
			extra["emails"] = nil
		}
		f.story(id, extra)
		f.drain(true)
		f.Fake.ClearFaults()
		f.checkStory(t, id, func() []leverfake.Opportunity {
			var out []leverfake.Opportunity
			for _, o := range f.acct.Opportunities() {
				for _, l := range o.Links {
					if l == li {
						out = append(out, o)
					}
				}
			}
			return out
		})
	})
}
