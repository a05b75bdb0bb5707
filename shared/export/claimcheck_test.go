package export_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/memstore"
)

type sent struct {
	group, dedup string
	body         []byte
}

type fakeQueue struct {
	got []sent
	err error
}

func (q *fakeQueue) Enqueue(_ context.Context, group, dedup string, body []byte) error {
	if q.err != nil {
		return q.err
	}
	q.got = append(q.got, sent{group, dedup, body})
	return nil
}

func jobWithNote(body string) export.Job {
	c := &event.Candidate{ID: "c1", FirstName: "Ada", Notes: []event.Note{{ID: "n1", CreatedAt: time.Unix(1, 0).UTC(), Body: body}}}
	return export.Job{Kind: export.KindExport, CompanyID: "acme", CandidateID: "c1", EventID: "e1", Candidate: c}
}

func TestSendJobAndReadJob(t *testing.T) {
	tests := []struct {
		name       string
		job        export.Job
		queueErr   error
		wantStored bool
		wantCode   apperr.Code
	}{
		{"small job inline", jobWithNote("hi"), nil, false, ""},
		{"escaping makes it too large: stored aside", jobWithNote(strings.Repeat("<", 100<<10)), nil, true, ""},
		{"queue refuses: transient with a retry hint", jobWithNote("hi"), apperr.E(apperr.Invalid, "sqs send to q"), false, apperr.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			q, p := &fakeQueue{err: tt.queueErr}, memstore.NewPayloads()
			err := export.SendJob(ctx, q, p, tt.job)
			if tt.wantCode != "" {
				e := apperr.As(err)
				if e == nil || e.Code != tt.wantCode || e.RetryAfter <= 0 {
					t.Fatalf("SendJob error = %v, want %s with RetryAfter", err, tt.wantCode)
				}
				return
			}
			if err != nil || len(q.got) != 1 {
				t.Fatalf("SendJob: %v, %d messages; want 1", err, len(q.got))
			}
			m := q.got[0]
			if len(m.body) > export.MaxInlineBody {
				t.Errorf("message body %d bytes, over %d", len(m.body), export.MaxInlineBody)
			}
			if stored := strings.Contains(string(m.body), "payloadRef"); stored != tt.wantStored {
				t.Errorf("stored aside = %v, want %v", stored, tt.wantStored)
			}
			if m.group != tt.job.GroupID() || m.dedup != tt.job.DedupID() {
				t.Errorf("group/dedup = %q/%q, want the job's", m.group, m.dedup)
			}
			got, err := export.ReadJob(ctx, p, m.body)
			if err != nil {
				t.Fatalf("ReadJob: %v", err)
			}
			if got.Candidate == nil || got.Candidate.Notes[0].Body != tt.job.Candidate.Notes[0].Body {
				t.Errorf("ReadJob did not give the job back")
			}
			if tt.wantStored {
				_, err := export.ReadJob(ctx, memstore.NewPayloads(), m.body)
				if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "job" {
					t.Errorf("ReadJob with the payload gone = %v, want invalid naming job", err)
				}
			}
		})
	}
}
