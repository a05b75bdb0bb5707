package main

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/outbox"
)

func feedEvent(t *testing.T, id string, typ outbox.Type, seq int64, data map[string]any) harness.FeedEvent {
	t.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return harness.FeedEvent{
		Event:    outbox.Event{ID: id, Type: typ, CompanyID: "co", Sequence: seq, Data: b},
		Delivery: outbox.Delivery{State: outbox.Delivered},
	}
}

func TestCheckEvents(t *testing.T) {
	succeeded := func(id string, seq int64, cand, opp string) harness.FeedEvent {
		return feedEvent(t, id, outbox.ExportSucceeded, seq, map[string]any{"candidateId": cand, "opportunityId": opp})
	}
	staged := func(id string, seq int64, cand string) harness.FeedEvent {
		return feedEvent(t, id, outbox.CandidateStageChanged, seq, map[string]any{"candidateId": cand, "to": map[string]string{"id": actionStage}})
	}
	archived := func(id string, typ outbox.Type, seq int64, cand, reason string) harness.FeedEvent {
		return feedEvent(t, id, typ, seq, map[string]any{"candidateId": cand, "reason": map[string]string{"id": reason}})
	}
	acked := func(order ...string) vendorSnapshot {
		v := vendorSnapshot{acks: map[string]int{}, order: map[string][]string{}, byStatus: map[string]int{}}
		for _, id := range order {
			v.acks[id]++
			v.order["co/c1"] = append(v.order["co/c1"], id)
		}
		return v
	}
	cands := []candidate{{company: "co", id: "c1", email: "c1@co.mail.example"}}
	exported := map[string]bool{"c1": true}
	opps := map[string]string{"co/c1@co.mail.example": "opp1"}
	stageAndArchive := []leverAction{{company: "co", candidate: "c1", opportunity: "opp1", reason: reasonNotHired}}
	hire := []leverAction{{company: "co", candidate: "c1", opportunity: "opp1", reason: reasonHired, hired: true}}

	tests := []struct {
		name    string
		feed    []harness.FeedEvent
		actions []leverAction
		vendor  vendorSnapshot
		want    eventsResult // the counts only
	}{
		{
			name:    "every change once, in order, received",
			feed:    []harness.FeedEvent{succeeded("e1", 1, "c1", "opp1"), staged("e2", 2, "c1"), archived("e3", outbox.CandidateArchived, 3, "c1", reasonNotHired)},
			actions: stageAndArchive,
			vendor:  acked("e1", "e2", "e3"),
		},
		{
			name:   "an export without export.succeeded is lost",
			feed:   []harness.FeedEvent{},
			vendor: acked(),
			want:   eventsResult{lost: 1},
		},
		{
			name:   "two export.succeeded ids for one export",
			feed:   []harness.FeedEvent{succeeded("e1", 1, "c1", "opp1"), succeeded("e2", 2, "c1", "opp1")},
			vendor: acked("e1", "e2"),
			want:   eventsResult{duplicated: 1},
		},
		{
			name:   "an export.succeeded the vendor never acknowledged",
			feed:   []harness.FeedEvent{succeeded("e1", 1, "c1", "opp1")},
			vendor: acked(),
			want:   eventsResult{notReceived: 1, outOfOrder: 1},
		},
		{
			name:   "the vendor acknowledged in another order than the feed",
			feed:   []harness.FeedEvent{succeeded("e1", 1, "c1", "opp1"), staged("e2", 2, "c1")},
			vendor: acked("e2", "e1"),
			want:   eventsResult{outOfOrder: 1, leverLost: 0},
		},
		{
			name:   "a Lever change before the export in the feed",
			feed:   []harness.FeedEvent{staged("e1", 1, "c1"), succeeded("e2", 2, "c1", "opp1")},
			vendor: acked("e1", "e2"),
			want:   eventsResult{outOfOrder: 1},
		},
		{
			name:    "an archive before the stage change",
			feed:    []harness.FeedEvent{succeeded("e1", 1, "c1", "opp1"), archived("e2", outbox.CandidateArchived, 2, "c1", reasonNotHired), staged("e3", 3, "c1")},
			actions: stageAndArchive,
			vendor:  acked("e1", "e2", "e3"),
			want:    eventsResult{outOfOrder: 1},
		},
		{
			name:    "a dropped webhook's stage change never announced",
			feed:    []harness.FeedEvent{succeeded("e1", 1, "c1", "opp1"), archived("e2", outbox.CandidateArchived, 2, "c1", reasonNotHired)},
			actions: []leverAction{{company: "co", candidate: "c1", opportunity: "opp1", reason: reasonNotHired, stageDropped: true}},
			vendor:  acked("e1", "e2"),
			want:    eventsResult{leverLost: 1, leverLostDropped: 1},
		},
		{
			name:    "a hire announced as an archive, then as a hire",
			feed:    []harness.FeedEvent{succeeded("e1", 1, "c1", "opp1"), staged("e2", 2, "c1"), archived("e3", outbox.CandidateArchived, 3, "c1", reasonHired), archived("e4", outbox.CandidateHired, 4, "c1", reasonHired)},
			actions: hire,
			vendor:  acked("e1", "e2", "e3", "e4"),
			want:    eventsResult{leverDup: 1},
		},
		{
			name:    "a hire announced as a plain archive",
			feed:    []harness.FeedEvent{succeeded("e1", 1, "c1", "opp1"), staged("e2", 2, "c1"), archived("e3", outbox.CandidateArchived, 3, "c1", reasonHired)},
			actions: hire,
			vendor:  acked("e1", "e2", "e3"),
			want:    eventsResult{leverLost: 1},
		},
		{
			name:   "export.succeeded naming another opportunity",
			feed:   []harness.FeedEvent{succeeded("e1", 1, "c1", "opp2")},
			vendor: acked("e1"),
			want:   eventsResult{wrongOpp: 1},
		},
		{
			name:   "a gap in the sequence and an id the feed lacks",
			feed:   []harness.FeedEvent{succeeded("e1", 2, "c1", "opp1")},
			vendor: acked("e1", "e9"),
			want:   eventsResult{feedGaps: 1, phantom: 1, outOfOrder: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkEvents(map[string][]harness.FeedEvent{"co": tt.feed}, opps, 0, cands, exported, tt.actions, tt.vendor, false)
			got.rows = nil
			got.actions, got.archives, got.droppedActions = 0, 0, 0
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if ok := got.ok(); ok != reflect.DeepEqual(tt.want, eventsResult{}) {
				t.Errorf("ok() = %v", ok)
			}
		})
	}
}
