package export

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// sqsIDValid is SQS's rule for MessageGroupId and MessageDeduplicationId:
// 1 to 128 characters, each alphanumeric or ASCII punctuation
// (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~) (SendMessage API reference).
func sqsIDValid(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	const punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	for _, r := range s {
		ok := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || strings.ContainsRune(punct, r)
		if !ok {
			return false
		}
	}
	return true
}

func TestGroupAndDedupIDsAreValidOnSQS(t *testing.T) {
	long := strings.Repeat("x", 128)
	uni := strings.Repeat("ü", 128) // 128 characters, 256 bytes
	tests := []struct {
		name                     string
		company, candidate, evID string
	}{
		{"short", "acme", "c1", "e1"},
		{"128-character ids", long, long, long},
		{"non-ASCII ids", uni, "候補者-1", "événement"},
		{"ids with separators", "a:b", "c\x00d", "e/f"},
		{"spaces and emoji", "acme corp", "cand 😀", "evt 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := Job{CompanyID: tt.company, CandidateID: tt.candidate, EventID: tt.evID}
			for what, id := range map[string]string{"group": j.GroupID(), "dedup": j.DedupID()} {
				if !sqsIDValid(id) {
					t.Errorf("%s id %q (%d chars) is not valid on SQS", what, id, utf8.RuneCountInString(id))
				}
			}
		})
	}
}

func TestGroupIDShardsCompanies(t *testing.T) {
	// Every job of a candidate is in one group; two companies never share
	// a group (even with ids that concatenate alike); one company's
	// candidates spread over exactly GroupShards groups.
	if GroupOf("acme", "c1") != (Job{CompanyID: "acme", CandidateID: "c1", EventID: "e2"}).GroupID() {
		t.Error("a candidate's jobs are in different groups")
	}
	for _, tt := range [][2][2]string{
		{{"acme", "c1"}, {"other", "c1"}},
		{{"a:b", "c"}, {"a", "b:c"}},
		{{"a", "\x00shard\x001"}, {"a\x00shard", "1"}},
	} {
		if GroupOf(tt[0][0], tt[0][1]) == GroupOf(tt[1][0], tt[1][1]) {
			t.Errorf("GroupOf%q == GroupOf%q, want different groups", tt[0], tt[1])
		}
	}
	groups := map[string]bool{}
	other := map[string]bool{}
	for i := range 2000 {
		groups[GroupOf("acme", fmt.Sprintf("cand-%d", i))] = true
		other[GroupOf("globex", fmt.Sprintf("cand-%d", i))] = true
	}
	if len(groups) != GroupShards {
		t.Errorf("2000 candidates of one company in %d groups, want %d", len(groups), GroupShards)
	}
	for g := range groups {
		if other[g] {
			t.Errorf("group %s shared by two companies", g)
		}
	}
}
