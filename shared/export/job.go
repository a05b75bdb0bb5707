package export

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
)

// Kind is the kind of a queued job.
type Kind string

// Job kinds.
const (
	KindExport Kind = "export" // create the candidate's opportunity (once)
	KindPush   Kind = "push"   // add one message or note to the exported opportunity
)

// Job is the body of one export-queue message. Jobs of one candidate share
// a FIFO message group (GroupID), so an export always precedes its pushes.
type Job struct {
	Kind        Kind       `json:"kind"`
	CompanyID   string     `json:"companyId"`
	CandidateID string     `json:"candidateId"`
	EventID     string     `json:"eventId"`
	EventType   event.Type `json:"eventType,omitempty"`
	PositionID  string     `json:"positionId,omitempty"`
	// PostingID is the Lever posting of the export without a link: chosen
	// at the moment of export (the Export button with postingId), or the
	// posting a candidate.applied named (data.postingId); "" for a linked
	// or general export.
	PostingID string `json:"postingId,omitempty"`
	// AllowClosed: the Export button allowed a closed chosen posting
	// (the job checks the posting again, Decide).
	AllowClosed bool   `json:"allowClosed,omitempty"`
	Manual      bool   `json:"manual,omitempty"` // the Export button: bypasses the trigger, not the consent gate
	Origin      string `json:"origin,omitempty"` // sourced | applied

	Candidate *event.Candidate `json:"candidate,omitempty"` // export jobs
	Message   *event.Message   `json:"message,omitempty"`   // push jobs
	Note      *event.Note      `json:"note,omitempty"`      // push jobs

	EnqueuedAt time.Time `json:"enqueuedAt"`
}

// GroupShards is how many FIFO message groups one company's jobs are
// spread over. SQS hands out a group's messages only while none of that
// group is in flight, so a company can hold at most GroupShards of the
// exporter's concurrent batches (MaximumConcurrency in template.yaml,
// shared by every company): one company's backlog leaves the other
// batches to the other companies (docs/architecture.md, "Fair share").
const GroupShards = 8

// GroupID is the FIFO message group of the job: its company's shard of the
// candidate (GroupOf). Every job of a candidate is in one group, so an
// export precedes that candidate's pushes.
func (j Job) GroupID() string { return GroupOf(j.CompanyID, j.CandidateID) }

// GroupOf is the FIFO message group of a company's candidate: one of the
// company's GroupShards groups, chosen by a hash of the candidate id. It is
// derived (a hash) rather than spelled out because SQS accepts at most 128
// characters of [A-Za-z0-9] and ASCII punctuation, while ids may be up to
// 128 characters of any Unicode each: "g" + 64 hex digits, valid on SQS,
// and never shared by two companies. Pure.
func GroupOf(companyID, candidateID string) string {
	c := sha256.Sum256([]byte(companyID + "\x00" + candidateID))
	shard := binary.BigEndian.Uint32(c[:4]) % GroupShards
	sum := sha256.Sum256([]byte(companyID + "\x00shard\x00" + strconv.FormatUint(uint64(shard), 10)))
	return "g" + hex.EncodeToString(sum[:])
}

// DedupID is the FIFO deduplication id, derived from the event id and
// scoped to the company and candidate (so that two companies' event ids
// never collide): 64 hex digits, valid on SQS (128 characters of
// [A-Za-z0-9] and ASCII punctuation) whatever the ids hold.
func (j Job) DedupID() string {
	sum := sha256.Sum256([]byte(j.CompanyID + "\x00" + j.CandidateID + "\x00" + j.EventID))
	return hex.EncodeToString(sum[:])
}

// ActivityID names the activity a push job writes ("message:<id>",
// "note:<id>"), "" for export jobs.
func (j Job) ActivityID() string {
	switch {
	case j.Message != nil:
		return "message:" + j.Message.ID
	case j.Note != nil:
		return "note:" + j.Note.ID
	}
	return ""
}

// Encode marshals the job.
func (j Job) Encode() ([]byte, error) { return json.Marshal(j) }

// DecodeJob unmarshals and checks a job body. Errors are apperr Invalid
// naming the field: a malformed message can never succeed (poison).
func DecodeJob(b []byte) (Job, error) {
	var j Job
	if err := json.Unmarshal(b, &j); err != nil {
		return Job{}, apperr.InvalidField("job", "malformed job body: %v", err)
	}
	if err := event.CheckID("companyId", j.CompanyID); err != nil {
		return Job{}, err
	}
	if err := event.CheckID("candidateId", j.CandidateID); err != nil {
		return Job{}, err
	}
	switch j.Kind {
	case KindExport:
		if j.Candidate == nil {
			return Job{}, apperr.InvalidField("candidate", "is required for export jobs")
		}
		if j.Candidate.ID != j.CandidateID {
			return Job{}, apperr.InvalidField("candidate.id", "does not match candidateId")
		}
		if err := j.Candidate.Validate("candidate"); err != nil {
			return Job{}, err
		}
		if j.PostingID != "" {
			if j.PositionID != "" {
				return Job{}, apperr.InvalidField("postingId", "a job has a positionId or a postingId, not both")
			}
			if err := event.CheckID("postingId", j.PostingID); err != nil {
				return Job{}, err
			}
		}
	case KindPush:
		if (j.Message == nil) == (j.Note == nil) {
			return Job{}, apperr.InvalidField("message", "a push job carries exactly one message or note")
		}
		if j.Message != nil {
			if err := j.Message.Validate("message"); err != nil {
				return Job{}, err
			}
		} else if err := j.Note.Validate("note"); err != nil {
			return Job{}, err
		}
	default:
		return Job{}, apperr.InvalidField("kind", "unknown job kind %q", j.Kind)
	}
	return j, nil
}

// String identifies the job in logs (ids only).
func (j Job) String() string {
	return fmt.Sprintf("%s %s/%s event %s", j.Kind, j.CompanyID, j.CandidateID, j.EventID)
}
