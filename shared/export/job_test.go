package export

import (
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

func TestGroupIDSeparatesCandidates(t *testing.T) {
	tests := []struct{ a, b [2]string }{
		{[2]string{"a:b", "c"}, [2]string{"a", "b:c"}},
		{[2]string{"acme", "c1"}, [2]string{"acme", "c2"}},
		{[2]string{"acme", "c1"}, [2]string{"other", "c1"}},
	}
	for _, tt := range tests {
		if got := GroupOf(tt.a[0], tt.a[1]); got == GroupOf(tt.b[0], tt.b[1]) {
			t.Errorf("GroupOf(%q) == GroupOf(%q) = %q, want different groups", tt.a, tt.b, got)
		}
	}
	if got, want := GroupOf("acme", "c1"), (Job{CompanyID: "acme", CandidateID: "c1"}).GroupID(); got != want {
		t.Errorf("GroupOf = %q, Job.GroupID = %q, want equal", got, want)
	}
}
