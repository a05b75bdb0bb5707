package export

import (
	"fmt"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/config"
)

// TestBookedJobsAreHandedBack: with a small Lever budget (2 requests/s,
// burst 3) and the exporter handing back the jobs whose calls are not due
// soon (as in AWS), a burst of exports is handed back to the queue over
// fauxqs and comes back until every candidate is exported once: no job is
// lost, failed or left exporting, and the hand-backs stay within the
// deliveries the queue allows them.
func TestBookedJobsAreHandedBack(t *testing.T) {
	f := setup(t, apptest.WithConfig(func(c *config.Config) { c.LeverRateLimit, c.LeverBurst = 2, 3 }))
	f.App.ExportJobs.Queue = f.App.ExportQueue
	f.link("pos-1", f.postings[0].ID, "")
	const n = 8
	for i := range n {
		f.send(candEvent("candidate.contact_accepted", "pos-1", cand(fmt.Sprintf("hb-%d", i))), 202, "queued")
	}
	start := time.Now()
	handedBack := 0
	for time.Since(start) < 90*time.Second {
		handedBack += f.Drain(20 * time.Second) // a hand-back is a batch item failure
		done := 0
		for i := range n {
			if f.status(fmt.Sprintf("hb-%d", i)).State == "exported" {
				done++
			}
		}
		if done == n {
			break
		}
	}
	if handedBack == 0 {
		t.Error("no job was handed back: the budget never refused one")
	}
	for i := range n {
		id := fmt.Sprintf("hb-%d", i)
		f.oneOpp(email(id))
		if st := f.status(id); st.State != "exported" {
			t.Errorf("%s: %+v, want exported", id, st)
		}
	}
	f.noDuplicates()
	if msgs, err := f.DLQ.Receive(t.Context(), 10, 0, 0); err != nil || len(msgs) != 0 {
		t.Errorf("DLQ: %d messages (%v), want none", len(msgs), err)
	}
	t.Logf("%d exports in %s, %d hand-backs", n, time.Since(start).Round(100*time.Millisecond), handedBack)
}
