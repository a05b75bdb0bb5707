package dynamo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/dynamo/dynamotest"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/stackdef"
	"github.com/leverlink/leverlink/shared/storetest"
	"github.com/leverlink/leverlink/shared/throttle"
)

// Adapter-specific checks: the stored layout and the error mapping, beyond
// what the port contracts say.

var now = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func rawItem(t *testing.T, db *dynamodb.Client, table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	return out.Item
}

func TestCreateTablesIsIdempotent(t *testing.T) {
	t.Parallel()
	db, tables := dynamotest.New(t)
	st, err := stackdef.Load(filepath.Join("..", "..", "template.yaml"), "test")
	if err != nil {
		t.Fatal(err)
	}
	// dynamotest.New created them under some prefix; create one set again
	// under a fixed one, twice.
	prefix := storetest.ID("idem") + "-"
	t.Cleanup(func() {
		for _, tb := range st.Tables {
			_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(prefix + tb.Name)})
		}
	})
	for i := range 2 {
		got, err := dynamo.CreateTables(context.Background(), db, st.Tables, prefix)
		if err != nil {
			t.Fatalf("CreateTables #%d: %v", i+1, err)
		}
		want := dynamo.Tables{
			Connections: prefix + "leverlink-test-connections", Links: prefix + "leverlink-test-links",
			Exports: prefix + "leverlink-test-exports", Events: prefix + "leverlink-test-events",
			Outbox: prefix + "leverlink-test-outbox",
		}
		if got != want {
			t.Fatalf("CreateTables #%d = %+v, want %+v", i+1, got, want)
		}
	}
	if tables.Exports == "" || tables.Events == "" {
		t.Fatalf("dynamotest.New tables = %+v", tables)
	}
	out, err := db.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(prefix + "leverlink-test-exports")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Table.GlobalSecondaryIndexes) != 1 || aws.ToString(out.Table.GlobalSecondaryIndexes[0].IndexName) != "byState" {
		t.Fatalf("exports indexes = %+v", out.Table.GlobalSecondaryIndexes)
	}
	ttl, err := db.DescribeTimeToLive(context.Background(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(prefix + "leverlink-test-events")})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != "expiresAt" || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("events TTL = %+v", ttl.TimeToLiveDescription)
	}
}

func TestStoredLayout(t *testing.T) {
	t.Parallel()
	db, tables := dynamotest.New(t)
	ctx := context.Background()

	t.Run("TokensAreBinary", func(t *testing.T) {
		_, err := dynamo.NewConnections(db, tables).Update(ctx, "co1", func(c *connection.Connection) error {
			c.SealedAccess, c.SealedRefresh = []byte{1, 2, 3}, []byte{4, 5}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		item := rawItem(t, db, tables.Connections, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "co1"}})
		for _, name := range []string{"sealedAccess", "sealedRefresh"} {
			if _, ok := item[name].(*types.AttributeValueMemberB); !ok {
				t.Errorf("%s stored as %T, want binary", name, item[name])
			}
		}
	})

	t.Run("ActivityMarkersIndexedOnlyUntilPushed", func(t *testing.T) {
		ex := dynamo.NewExports(db, tables)
		cand := export.Key{CompanyID: "co1", CandidateID: "c1"}
		act := export.Key{CompanyID: "co1", CandidateID: "c1", ActivityID: "a1"}
		for _, k := range []export.Key{cand, act} {
			if _, err := ex.Claim(ctx, k, "x", now, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := ex.Finish(ctx, k, "x", now, export.Failed, "r", ""); err != nil {
				t.Fatal(err)
			}
		}
		got := rawItem(t, db, tables.Exports, map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "co1"}, "sk": &types.AttributeValueMemberS{Value: "export#c1"}})
		if pk, _ := got["gsi1pk"].(*types.AttributeValueMemberS); pk == nil || pk.Value != "co1#failed" {
			t.Errorf("candidate marker gsi1pk = %v, want co1#failed", got["gsi1pk"])
		}
		if sk, _ := got["gsi1sk"].(*types.AttributeValueMemberS); sk == nil || sk.Value != "2026-03-14T09:00:00.000000000Z#c1" {
			t.Errorf("candidate marker gsi1sk = %v", got["gsi1sk"])
		}
		got = rawItem(t, db, tables.Exports, map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "co1"}, "sk": &types.AttributeValueMemberS{Value: "activity#c1#a1"}})
		if pk, _ := got["gsi1pk"].(*types.AttributeValueMemberS); pk == nil || pk.Value != "co1#activity#failed" {
			t.Errorf("failed activity marker gsi1pk = %v, want co1#activity#failed", got["gsi1pk"])
		}
		if _, err := ex.Claim(ctx, act, "y", now, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := ex.Confirm(ctx, act, "y", now, nil); err != nil {
			t.Fatal(err)
		}
		got = rawItem(t, db, tables.Exports, map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "co1"}, "sk": &types.AttributeValueMemberS{Value: "activity#c1#a1"}})
		if got == nil || got["gsi1pk"] != nil || got["gsi1sk"] != nil {
			t.Errorf("pushed activity marker = %v, want stored without index keys", got)
		}
	})

	t.Run("ApplyKeepsRefreshLease", func(t *testing.T) {
		p := dynamo.NewPostings(db, tables)
		if err := p.AcquireRefresh(ctx, "co2", "a", now, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(ctx, "co2", []posting.Posting{{ID: "p1"}}, nil, now); err != nil {
			t.Fatal(err)
		}
		if err := p.AcquireRefresh(ctx, "co2", "b", now, time.Minute); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("AcquireRefresh by another owner after Apply: %v, want Conflict", err)
		}
		c, err := p.List(ctx, "co2")
		if err != nil || len(c.Postings) != 1 || !c.RefreshedAt.Equal(now) {
			t.Fatalf("List = %+v, %v", c, err)
		}
		if err := p.Apply(ctx, "co2", []posting.Posting{{ID: "p1"}}, []string{"p1"}, now); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("Apply putting and deleting one id: %v, want Invalid", err)
		}
	})

	t.Run("TemporaryItemsCarryTTL", func(t *testing.T) {
		if err := dynamo.NewEvents(db, tables).MarkSeen(ctx, "e1", now, time.Hour); err != nil {
			t.Fatal(err)
		}
		item := rawItem(t, db, tables.Events, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "event#e1"}})
		if n, _ := item["expiresAt"].(*types.AttributeValueMemberN); n == nil || n.Value != "1773482400" {
			t.Fatalf("expiresAt = %v, want %d", item["expiresAt"], now.Add(time.Hour).Unix())
		}
	})

	t.Run("ForgetUndoesMarkSeen", func(t *testing.T) {
		ev := dynamo.NewEvents(db, tables)
		steps := []struct {
			op   string
			want apperr.Code
		}{
			{"mark", ""}, {"mark", apperr.Conflict}, {"forget", ""}, {"forget", ""}, {"mark", ""}, {"mark", apperr.Conflict},
		}
		for i, s := range steps {
			var err error
			if s.op == "mark" {
				err = ev.MarkSeen(ctx, "e2", now, time.Hour)
			} else {
				err = ev.Forget(ctx, "e2")
			}
			if got := apperr.CodeOf(err); got != s.want {
				t.Fatalf("step %d: %s: %v, want %q", i, s.op, err, s.want)
			}
		}
	})

	t.Run("ExpiredStateIsReplaced", func(t *testing.T) {
		st := dynamo.NewStates(db, tables)
		s := connection.State{ID: "s1", CompanyID: "co1", ExpiresAt: time.Now().Add(-time.Second)}
		if err := st.Put(ctx, s); err != nil {
			t.Fatal(err)
		}
		s.ExpiresAt = time.Now().Add(time.Minute)
		if err := st.Put(ctx, s); err != nil {
			t.Fatalf("Put over an expired state: %v", err)
		}
		if err := st.Put(ctx, s); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("Put over a live state: %v, want Conflict", err)
		}
	})

	t.Run("BadCursorsAreInvalid", func(t *testing.T) {
		_, _, err := dynamo.NewConnections(db, tables).ListActive(ctx, "garbage!", 10)
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("ListActive(bad cursor): %v, want Invalid", err)
		}
		ex := dynamo.NewExports(db, tables)
		for i := range 3 {
			k := export.Key{CompanyID: "co3", CandidateID: string(rune('a' + i))}
			if _, err := ex.Claim(ctx, k, "x", now, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		_, next, err := ex.List(ctx, "co3", export.Exporting, "", 1)
		if err != nil || next == "" {
			t.Fatalf("List page 1: next %q, %v", next, err)
		}
		if _, _, err := ex.List(ctx, "co3", export.Failed, next, 1); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("List(failed) with an exporting cursor: %v, want Invalid", err)
		}
	})

	t.Run("InvalidInput", func(t *testing.T) {
		tests := []struct {
			name string
			err  error
		}{
			{"empty company", func() error { _, err := dynamo.NewConnections(db, tables).Get(ctx, ""); return err }()},
			{"empty candidate", func() error {
				_, err := dynamo.NewExports(db, tables).Claim(ctx, export.Key{CompanyID: "c"}, "x", now, time.Minute)
				return err
			}()},
			{"zero rate", func() error {
				_, err := throttle.Take(ctx, dynamo.NewBuckets(db, tables), "k", throttle.Bucket{Burst: 1}, now)
				return err
			}()},
		}
		for _, tt := range tests {
			if got := apperr.CodeOf(tt.err); got != apperr.Invalid {
				t.Errorf("%s: %v, want Invalid", tt.name, tt.err)
			}
		}
	})
}

// failingDB answers every call with err.
type failingDB struct {
	dynamo.DB
	err error
}

func (f failingDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return nil, f.err
}

func (f failingDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, f.err
}

func TestStorageFailuresAreClassified(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tables := dynamo.Tables{Connections: "c", Links: "l", Exports: "e", Events: "v"}
	tests := []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"throttled", &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, apperr.Transient},
		{"validation", &types.ResourceNotFoundException{Message: aws.String("no table")}, apperr.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := failingDB{err: tt.err}
			_, err := dynamo.NewConnections(db, tables).Get(ctx, "co")
			if got := apperr.CodeOf(err); got != tt.want {
				t.Errorf("Connections.Get: %v, want %s", err, tt.want)
			}
			_, err = dynamo.NewExports(db, tables).Claim(ctx, export.Key{CompanyID: "co", CandidateID: "c"}, "x", now, time.Minute)
			if got := apperr.CodeOf(err); got != tt.want {
				t.Errorf("Exports.Claim: %v, want %s", err, tt.want)
			}
			// The throttle port reports every storage failure as Transient.
			_, err = throttle.Take(ctx, dynamo.NewBuckets(db, tables), "co", throttle.Bucket{Rate: 1, Burst: 1}, now)
			if got := apperr.CodeOf(err); got != apperr.Transient {
				t.Errorf("throttle.Take on Buckets: %v, want transient", err)
			}
		})
	}
}

func TestNewClientWithEndpoint(t *testing.T) {
	t.Parallel()
	c, err := dynamo.NewClient(context.Background(), "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Options().BaseEndpoint == nil || !c.Options().DisableValidateResponseChecksum {
		t.Fatalf("options: endpoint %v, checksum validation disabled %v", c.Options().BaseEndpoint, c.Options().DisableValidateResponseChecksum)
	}
}
