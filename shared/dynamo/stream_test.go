package dynamo_test

import (
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/outbox"
)

func s(v string) events.DynamoDBAttributeValue { return events.NewStringAttribute(v) }
func n(v string) events.DynamoDBAttributeValue { return events.NewNumberAttribute(v) }

func record(oldImg, newImg map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	var r events.DynamoDBEventRecord
	r.Change.OldImage, r.Change.NewImage = oldImg, newImg
	r.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: time.Unix(1_800_000_000, 0)}
	return r
}

func activity(state, reason string, version string) map[string]events.DynamoDBAttributeValue {
	return map[string]events.DynamoDBAttributeValue{
		"pk": s("co1"), "sk": s("activity#cand-1#note-1"), "candidateId": s("cand-1"), "activityId": s("note-1"),
		"state": s(state), "reason": s(reason), "version": n(version),
	}
}

func leverState(stage, hiredReason, version string) map[string]events.DynamoDBAttributeValue {
	m := map[string]events.DynamoDBAttributeValue{
		"pk": s("co1"), "sk": s("lever#opp#o1"), "opportunityId": s("o1"), "candidateId": s("cand-1"),
		"stageId": s(stage), "version": n(version),
	}
	if hiredReason != "" {
		m["archived"], m["hired"], m["archiveReasonId"] = events.NewBooleanAttribute(true), events.NewBooleanAttribute(true), s(hiredReason)
	}
	return m
}

// TestStreamChange decodes stream records of the tables' items into the
// events Derive announces: company settings (in the connections table) and
// queued markers announce nothing; a failed activity marker is push.failed.
func TestStreamChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		rec       events.DynamoDBEventRecord
		wantKnown bool
		wantTypes []outbox.Type
	}{
		{"settings item", record(nil, map[string]events.DynamoDBAttributeValue{
			"pk": s("settings#co1"), "companyId": s("co1"), "version": n("1"),
		}), false, nil},
		{"settings updated", record(map[string]events.DynamoDBAttributeValue{
			"pk": s("settings#co1"), "companyId": s("co1"), "version": n("1"),
		}, map[string]events.DynamoDBAttributeValue{
			"pk": s("settings#co1"), "companyId": s("co1"), "version": n("2"),
		}), false, nil},
		{"connection connected", record(nil, map[string]events.DynamoDBAttributeValue{
			"pk": s("co1"), "status": s("connected"), "version": n("1"),
		}), true, []outbox.Type{outbox.ConnectionConnected}},
		{"activity queued", record(nil, activity("queued", "", "1")), true, nil},
		{"activity failed", record(activity("running", "", "2"), activity("failed", "lever_rejected", "3")), true, []outbox.Type{outbox.PushFailed}},
		{"activity skipped", record(nil, activity("skipped", "not_exported", "1")), true, nil},
		{"export queued", record(nil, map[string]events.DynamoDBAttributeValue{
			"pk": s("co1"), "sk": s("export#cand-1"), "candidateId": s("cand-1"), "state": s("queued"), "version": n("1"),
		}), true, nil},
		{"lever state tracked", record(nil, leverState("applicant-new", "", "1")), true, nil},
		{"lever state hired", record(leverState("applicant-new", "", "1"), leverState("applicant-new", "r-hired", "2")), true, []outbox.Type{outbox.CandidateHired}},
		{"lever sync record", record(nil, map[string]events.DynamoDBAttributeValue{
			"pk": s("co1"), "sk": s("lever#sync"), "version": n("1"),
		}), false, nil},
		{"cached posting", record(nil, map[string]events.DynamoDBAttributeValue{
			"pk": s("co1"), "sk": s("posting#p1"), "version": n("1"),
		}), false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, known, err := dynamo.StreamChange(tc.rec)
			if err != nil {
				t.Fatalf("StreamChange: %v", err)
			}
			if known != tc.wantKnown {
				t.Fatalf("known = %v, want %v", known, tc.wantKnown)
			}
			var got []outbox.Type
			for _, e := range outbox.Derive(c) {
				got = append(got, e.Type)
			}
			if len(got) != len(tc.wantTypes) || (len(got) > 0 && got[0] != tc.wantTypes[0]) {
				t.Errorf("Derive types = %v, want %v", got, tc.wantTypes)
			}
		})
	}
}
