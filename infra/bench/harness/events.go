package harness

import (
	"context"
	"encoding/base64"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/sqspoll"
)

// Resume returns a fake PDF of n bytes.
func Resume(n int) []byte {
	b := make([]byte, n)
	copy(b, "%PDF-1.4\n")
	for i := 9; i < n; i++ {
		b[i] = byte('a' + i%26)
	}
	return b
}

// CandidateEvent is a candidate.contact_accepted event for position pos-1
// with a resume (when non-nil) and a history of two messages and one note.
func CandidateEvent(companyID, candidateID string, resume []byte) map[string]any {
	now := time.Now().UTC()
	c := map[string]any{
		"id": candidateID, "firstName": "Cand", "lastName": candidateID,
		"emails":     []string{candidateID + "@" + companyID + ".mail.example"},
		"phones":     []string{"+33600000000"},
		"headline":   "Senior Go engineer",
		"location":   map[string]any{"city": "Paris", "country": "FR"},
		"profileUrl": "https://market.example/c/" + candidateID,
		"tags":       []string{"go", "backend"},
		"consent":    map[string]any{"granted": true, "at": now.Add(-time.Hour).Format(time.RFC3339)},
		"messages": []map[string]any{
			{"id": "m1-" + candidateID, "direction": "outbound", "author": "Recruiter", "sentAt": now.Add(-2 * time.Hour).Format(time.RFC3339), "body": "Hello " + candidateID + ", interested in a role?"},
			{"id": "m2-" + candidateID, "direction": "inbound", "sentAt": now.Add(-time.Hour).Format(time.RFC3339), "body": "Yes, tell me more."},
		},
		"notes": []map[string]any{
			{"id": "n1-" + candidateID, "author": "Recruiter", "createdAt": now.Add(-30 * time.Minute).Format(time.RFC3339), "body": "Strong profile."},
		},
	}
	if resume != nil {
		c["resume"] = map[string]any{"contentBase64": base64.StdEncoding.EncodeToString(resume), "fileName": "resume.pdf", "contentType": "application/pdf"}
	}
	return map[string]any{
		"id": "evt-acc-" + candidateID, "type": "candidate.contact_accepted", "occurredAt": now.Format(time.RFC3339), "companyId": companyID,
		"data": map[string]any{"positionId": "pos-1", "candidate": c},
	}
}

// MessageEvent is a later message.created event for a candidate.
func MessageEvent(companyID, candidateID, messageID string) map[string]any {
	now := time.Now().UTC()
	return map[string]any{
		"id": "evt-msg-" + candidateID + "-" + messageID, "type": "message.created", "occurredAt": now.Format(time.RFC3339), "companyId": companyID,
		"data": map[string]any{"candidateId": candidateID, "message": map[string]any{
			"id": messageID, "direction": "outbound", "author": "Recruiter", "sentAt": now.Format(time.RFC3339),
			"body": fmt.Sprintf("Follow-up %s for %s", messageID, candidateID),
		}},
	}
}

// BatchStats accumulates what a set of pollers did: batches, messages,
// failures and the handlers' busy time (what Lambda bills).
type BatchStats struct {
	Batches, Messages, Failed atomic.Int64
	busyNanos                 atomic.Int64
}

// Busy is the summed handler wall time.
func (s *BatchStats) Busy() time.Duration { return time.Duration(s.busyNanos.Load()) }

// Wrap counts h's batches and times them.
func (s *BatchStats) Wrap(h sqspoll.BatchHandler) sqspoll.BatchHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		start := time.Now()
		resp, err := h(ctx, ev)
		s.busyNanos.Add(int64(time.Since(start)))
		s.Batches.Add(1)
		s.Messages.Add(int64(len(ev.Records)))
		s.Failed.Add(int64(len(resp.BatchItemFailures)))
		if err != nil {
			s.Failed.Add(int64(len(ev.Records)))
		}
		return resp, err
	}
}

// Pollers runs n pollers built by mk until Stop.
type Pollers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartPollers starts n pollers.
func StartPollers(ctx context.Context, n int, mk func() *sqspoll.Poller) *Pollers {
	ctx, cancel := context.WithCancel(ctx)
	p := &Pollers{cancel: cancel}
	for range n {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			mk().Run(ctx)
		}()
	}
	return p
}

// Stop cancels the pollers and waits for them.
func (p *Pollers) Stop() {
	p.cancel()
	p.wg.Wait()
}
