package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Payloads stores job bodies too large for a queue message (the
// claim-check pattern: the message carries a reference). shared/s3store
// implements it on S3, shared/memstore in memory.
//
// Put stores body under key (overwriting). Get returns it: apperr NotFound
// when there is none (never stored, or expired). DeletePrefix deletes every
// body whose key starts with prefix and returns how many it deleted
// (apperr Invalid for an empty prefix: never everything). All return
// apperr Invalid for an empty key and apperr Transient on storage
// failures. Safe for concurrent use.
type Payloads interface {
	Put(ctx context.Context, key string, body []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	DeletePrefix(ctx context.Context, prefix string) (int, error)
}

// MaxInlineBody is the largest job body sent inline: SQS takes 256 KiB
// (262,144 bytes) per message; the rest is left for attributes and
// headroom. Larger bodies go to Payloads.
const MaxInlineBody = 240 << 10

// queueRetryAfter is the retry hint given when the queue or the payload
// store refused a job.
const queueRetryAfter = 30 * time.Second

// reference is the message body of a job whose payload is stored aside:
// the ids (for logs and for recording a failure) and the payload's key.
type reference struct {
	Kind        Kind   `json:"kind"`
	CompanyID   string `json:"companyId"`
	CandidateID string `json:"candidateId"`
	EventID     string `json:"eventId"`
	PayloadRef  string `json:"payloadRef"`
}

// payloadKey names a job's stored payload: its candidate's prefix
// (PayloadPrefix) and its deduplication id, both hashes, so the key holds
// no id or personal data.
func payloadKey(j Job) string { return PayloadPrefix(j.CompanyID, j.CandidateID) + j.DedupID() }

// PayloadPrefix is the key prefix of every stored payload of a company's
// candidate ("jobs/" + a SHA-256 of the ids + "/"), so that an erasure can
// delete them all (ErasePayloads). Pure.
func PayloadPrefix(companyID, candidateID string) string {
	sum := sha256.Sum256([]byte(companyID + "\x00" + candidateID))
	return "jobs/" + hex.EncodeToString(sum[:]) + "/"
}

// ErasePayloads deletes every stored payload of the candidate's queued
// jobs (their snapshots) and returns how many it deleted; p nil: none.
// A job whose payload is gone is then refused when received (ReadJob:
// apperr Invalid naming job), which the erased candidate's tombstone
// keeps from being recorded. Errors as Payloads.DeletePrefix.
func ErasePayloads(ctx context.Context, p Payloads, companyID, candidateID string) (int, error) {
	if p == nil {
		return 0, nil
	}
	return p.DeletePrefix(ctx, PayloadPrefix(companyID, candidateID))
}

// SendJob queues j on q: inline when its body fits a message, else with its
// body stored in p under a derived key and a reference queued (p nil:
// apperr Invalid naming "candidate" for a body too large). A refusal of the
// queue or of the store is apperr Transient with RetryAfter: the caller
// should answer 503 with a Retry-After and lose nothing.
func SendJob(ctx context.Context, q Enqueuer, p Payloads, j Job) error {
	body, err := j.Encode()
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "encode job")
	}
	if len(body) > MaxInlineBody {
		if p == nil {
			return apperr.InvalidField("candidate", "the job is %d bytes; no payload store is configured for jobs over %d bytes", len(body), MaxInlineBody)
		}
		key := payloadKey(j)
		if err := p.Put(ctx, key, body); err != nil {
			return refused(err, "the payload store refused the job")
		}
		if body, err = json.Marshal(reference{Kind: j.Kind, CompanyID: j.CompanyID, CandidateID: j.CandidateID, EventID: j.EventID, PayloadRef: key}); err != nil {
			return apperr.Wrap(apperr.Internal, err, "encode job reference")
		}
	}
	if err := q.Enqueue(ctx, j.GroupID(), j.DedupID(), body); err != nil {
		return refused(err, "the export queue refused the job")
	}
	return nil
}

func refused(err error, msg string) error {
	e := apperr.Wrap(apperr.Transient, err, "%s; retry later", msg)
	e.RetryAfter = queueRetryAfter
	return e
}

// ReadJob decodes a queue message body (DecodeJob), first fetching the
// payload a reference points to from p. A payload that is gone (expired) is
// apperr Invalid naming "job": it can never run; a store failure is
// Transient.
func ReadJob(ctx context.Context, p Payloads, body []byte) (Job, error) {
	var ref reference
	if json.Unmarshal(body, &ref) == nil && ref.PayloadRef != "" {
		if p == nil {
			return Job{}, apperr.InvalidField("job", "references a stored payload but no payload store is configured")
		}
		b, err := p.Get(ctx, ref.PayloadRef)
		if apperr.Is(err, apperr.NotFound) {
			return Job{}, apperr.InvalidField("job", "its stored payload is gone (expired)")
		}
		if err != nil {
			return Job{}, fmt.Errorf("read job payload: %w", err)
		}
		body = b
	}
	return DecodeJob(body)
}
