package app

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/logging"
)

// HandleExportBatch is the exporter function's handler: an SQS FIFO batch
// with ReportBatchItemFailures. Message groups run in parallel, each in
// order; after the first failure in a group the rest of that group fails
// too (FIFO semantics), so a candidate's pushes never overtake its export.
func (a *App) HandleExportBatch(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	groups := map[string][]events.SQSMessage{}
	var order []string
	for _, r := range ev.Records {
		g := r.Attributes["MessageGroupId"]
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], r)
	}
	var (
		mu   sync.Mutex
		resp events.SQSEventResponse
		wg   sync.WaitGroup
	)
	for _, g := range order {
		wg.Add(1)
		go func(recs []events.SQSMessage) {
			defer wg.Done()
			for i, r := range recs {
				if err := a.RunJob(logging.WithRequestID(ctx, r.MessageId), []byte(r.Body)); err != nil {
					mu.Lock()
					for _, rest := range recs[i:] {
						resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rest.MessageId})
					}
					mu.Unlock()
					return
				}
			}
		}(groups[g])
	}
	wg.Wait()
	return resp, nil
}

// RunJob runs one export-queue message body. A malformed body is recorded
// as a failed export of its candidate when its ids can be read (then
// acknowledged); otherwise it is returned as an error and, after the
// queue's maxReceiveCount, lands in the dead-letter queue.
func (a *App) RunJob(ctx context.Context, body []byte) error {
	j, err := export.DecodeJob(body)
	if err != nil {
		var ids struct {
			CompanyID   string `json:"companyId"`
			CandidateID string `json:"candidateId"`
		}
		_ = json.Unmarshal(body, &ids)
		if event.CheckID("companyId", ids.CompanyID) == nil && event.CheckID("candidateId", ids.CandidateID) == nil {
			a.Log.ErrorContext(ctx, "malformed export job recorded as failed", "company_id", ids.CompanyID, "candidate_id", ids.CandidateID, "err", err)
			return a.Exporter.Reject(ctx, export.Key{CompanyID: ids.CompanyID, CandidateID: ids.CandidateID}, err)
		}
		a.Log.ErrorContext(ctx, "unreadable export job left for the dead-letter queue", "err", err)
		return err
	}
	err = a.Exporter.Run(ctx, j)
	if err != nil {
		a.Log.WarnContext(ctx, "job will be retried", "company_id", j.CompanyID, "candidate_id", j.CandidateID, "event_id", j.EventID, "kind", string(j.Kind), "code", string(apperr.CodeOf(err)), "err", err)
	}
	return err
}

// HandleRefresher is the refresher function's handler. A scheduled
// invocation (anything without SQS records) fans out one refresh message per
// connected company; an SQS batch refreshes one company per message, with
// partial batch failures.
func (a *App) HandleRefresher(ctx context.Context, raw json.RawMessage) (any, error) {
	var batch events.SQSEvent
	if err := json.Unmarshal(raw, &batch); err == nil && len(batch.Records) > 0 && batch.Records[0].EventSource == "aws:sqs" {
		return a.HandleRefreshBatch(ctx, batch)
	}
	n, err := a.Refresher.FanOut(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]int{"enqueued": n}, nil
}

// HandleRefreshBatch refreshes one company per SQS message.
func (a *App) HandleRefreshBatch(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		ctx := logging.WithRequestID(ctx, r.MessageId)
		var m struct {
			CompanyID string `json:"companyId"`
		}
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil || event.CheckID("companyId", m.CompanyID) != nil {
			a.Log.ErrorContext(ctx, "malformed refresh message dropped", "message_id", r.MessageId)
			continue
		}
		if _, err := a.Refresher.Refresh(ctx, m.CompanyID); err != nil {
			a.Log.WarnContext(ctx, "refresh will be retried", "company_id", m.CompanyID, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp, nil
}
