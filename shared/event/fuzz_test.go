package event

import (
	"encoding/json"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/jsondecode"
)

// FuzzParse: the event decoder never panics, and every body it refuses is
// an apperr Invalid naming a field (a 400, never a 500). An event it
// accepts has valid ids and re-encodes. Seeds: the corpus in
// testdata/fuzz/FuzzParse (run by make test; make test-fuzz explores).
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := Parse(body)
		if err != nil {
			if ae := apperr.As(err); ae == nil || ae.Code != apperr.Invalid || ae.Field == "" {
				t.Fatalf("Parse(%q) = %v, want apperr Invalid naming a field", body, err)
			}
			return
		}
		for field, id := range map[string]string{"id": e.ID, "companyId": e.CompanyID, "candidateId": e.CandidateID()} {
			if err := CheckID(field, id); err != nil {
				t.Fatalf("Parse(%q) accepted an invalid %s: %v", body, field, err)
			}
		}
		if _, err := json.Marshal(e); err != nil {
			t.Fatalf("accepted event does not re-encode: %v", err)
		}
	})
}

// FuzzValidate: the snapshot validator never panics and refuses only with
// apperr Invalid naming a field under its prefix. Seeds: the corpus in
// testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	f.Fuzz(func(t *testing.T, snapshot []byte) {
		var c Candidate
		err := jsondecode.Strict("candidate", snapshot, &c)
		if err == nil {
			err = c.Validate("candidate")
		}
		if err == nil {
			return
		}
		ae := apperr.As(err)
		if ae == nil || ae.Code != apperr.Invalid || len(ae.Field) < len("candidate") || ae.Field[:len("candidate")] != "candidate" {
			t.Fatalf("snapshot %q: %v, want apperr Invalid naming a field under candidate", snapshot, err)
		}
	})
}
