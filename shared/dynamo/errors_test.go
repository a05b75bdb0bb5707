package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestStorageErrClassifies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"condition failed", &types.ConditionalCheckFailedException{}, apperr.Conflict},
		{"transaction cancelled", &types.TransactionCanceledException{}, apperr.Conflict},
		{"throughput exceeded", &types.ProvisionedThroughputExceededException{}, apperr.Transient},
		{"request limit", &types.RequestLimitExceeded{}, apperr.Transient},
		{"throttling", &smithy.GenericAPIError{Code: "ThrottlingException", Fault: smithy.FaultClient}, apperr.Transient},
		{"internal server error", &types.InternalServerError{}, apperr.Transient},
		{"other 5xx", &smithy.GenericAPIError{Code: "Whatever", Fault: smithy.FaultServer}, apperr.Transient},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}, apperr.Internal},
		{"missing table", &types.ResourceNotFoundException{}, apperr.Internal},
		{"network", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, apperr.Transient},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), apperr.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := storageErr(&smithy.OperationError{ServiceID: "DynamoDB", OperationName: "PutItem", Err: tt.err}, "put %s", "x")
			if got := apperr.CodeOf(err); got != tt.want {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.want, err)
			}
		})
	}
	if storageErr(nil, "x") != nil {
		t.Fatal("storageErr(nil) != nil")
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	key := map[string]types.AttributeValue{"pk": avS("co#1"), "sk": avS("export#c/é")}
	c, err := encodeCursor(key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeCursor(c)
	if err != nil {
		t.Fatal(err)
	}
	if getS(got, "pk") != "co#1" || getS(got, "sk") != "export#c/é" || len(got) != 2 {
		t.Fatalf("round trip = %v", got)
	}
	for _, bad := range []string{"%%%", "bm90IGpzb24", "e30"} { // not base64, not JSON, {}
		if _, err := decodeCursor(bad); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("decodeCursor(%q) = %v, want Invalid", bad, err)
		}
	}
	if c, err := encodeCursor(nil); c != "" || err != nil {
		t.Fatalf("encodeCursor(nil) = %q, %v", c, err)
	}
}

func TestSortableTimeSortsLikeTime(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	times := []time.Time{base, base.Add(500 * time.Millisecond), base.Add(time.Second), base.Add(time.Nanosecond),
		base.In(time.FixedZone("x", 3600)).Add(2 * time.Second)}
	var strs []string
	for _, tm := range times {
		strs = append(strs, sortableTime(tm))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	slices.Sort(strs)
	for i := range times {
		if got := sortableTime(times[i]); got != strs[i] {
			t.Fatalf("position %d: %s, want %s", i, strs[i], got)
		}
		if _, err := time.Parse(time.RFC3339Nano, strs[i]); err != nil {
			t.Fatalf("%s is not RFC 3339: %v", strs[i], err)
		}
	}
}

func TestTTLSecondsRoundsUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Time
		want int64
	}{
		{time.Unix(100, 0), 100},
		{time.Unix(100, 1), 101},
		{time.Unix(100, 999_999_999), 101},
	}
	for _, tt := range tests {
		if got := ttlSeconds(tt.in); got != tt.want {
			t.Errorf("ttlSeconds(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
