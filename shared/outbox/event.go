// Package outbox tells the vendor what happened: it turns committed state
// changes (export markers, connections, links) into outbound events, keeps
// them in a per-company feed with a gapless sequence, and delivers them to
// the vendor's endpoint signed like inbound events, at least once, in order
// per candidate, with exponential backoff and jitter for at least 72 hours
// before parking them.
//
// The outbox is DynamoDB's own change stream: every state change that
// causes an event is one item write, and the stream record of that write is
// kept by DynamoDB with it (see docs/architecture.md "Outbound events").
// Derive is the one rule saying which change is which event; Dispatcher
// records and delivers; Feed serves the feed and redelivery.
package outbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/leverlink/leverlink/shared/posting"
)

// Type is an outbound event type.
type Type string

// Outbound event types (docs/events.md "Outbound events").
const (
	ExportSucceeded             Type = "export.succeeded"
	ExportFailed                Type = "export.failed"
	ExportSkipped               Type = "export.skipped"
	PushFailed                  Type = "push.failed"
	ConnectionConnected         Type = "connection.connected"
	ConnectionRevoked           Type = "connection.revoked"
	ConnectionSuspended         Type = "connection.suspended"
	ConnectionPerformAsInactive Type = "connection.perform_as_inactive"
	ConnectionCredentialsDue    Type = "connection.credentials_due"
	LinkPostingClosed           Type = "link.posting_closed"
	LinkPostingGone             Type = "link.posting_gone"
	CandidateStageChanged       Type = "candidate.stage_changed"
	CandidateArchived           Type = "candidate.archived"
	CandidateUnarchived         Type = "candidate.unarchived"
	CandidateHired              Type = "candidate.hired"
	CandidateDeleted            Type = "candidate.deleted"
	PostingPublished            Type = Type(posting.Published)
	PostingUpdated              Type = Type(posting.Updated)
	PostingClosed               Type = Type(posting.Closed)
	PostingRemoved              Type = Type(posting.Removed)
)

// Types lists every outbound event type, in documentation order.
var Types = []Type{
	ExportSucceeded, ExportFailed, ExportSkipped, PushFailed,
	ConnectionConnected, ConnectionRevoked, ConnectionSuspended, ConnectionPerformAsInactive, ConnectionCredentialsDue,
	LinkPostingClosed, LinkPostingGone,
	CandidateStageChanged, CandidateArchived, CandidateUnarchived, CandidateHired, CandidateDeleted,
	PostingPublished, PostingUpdated, PostingClosed, PostingRemoved,
}

// Event is one outbound event. The JSON form is the envelope the vendor
// receives and the feed returns: {id, type, occurredAt, companyId,
// sequence, data}. OrderKey is not sent: events with the same OrderKey (a
// candidate id; PostingOrderKey for a posting's; "" for company-level
// events) are delivered in sequence order.
type Event struct {
	ID         string          `json:"id"`
	Type       Type            `json:"type"`
	OccurredAt time.Time       `json:"occurredAt"`
	CompanyID  string          `json:"companyId"`
	Sequence   int64           `json:"sequence"`
	Data       json.RawMessage `json:"data"`
	OrderKey   string          `json:"-"`
}

// Body is the JSON body posted to the vendor (the envelope).
func (e Event) Body() ([]byte, error) { return json.Marshal(e) }

// EventID is the stable id of the event of type typ caused by one change of
// source (an item key and its version): the same change always yields the
// same id, however often it is seen (stream retries, a webhook and a poll).
func EventID(source string, typ Type) string {
	h := sha256.Sum256([]byte(source + "|" + string(typ)))
	return "evt_" + hex.EncodeToString(h[:12])
}

// DeliveryState is where an event stands with the vendor's endpoint.
type DeliveryState string

// Delivery states.
const (
	FeedOnly  DeliveryState = "feed_only" // no VendorEventsUrl: kept in the feed, not pushed
	Pending   DeliveryState = "pending"   // to be delivered (NextAttemptAt)
	Delivered DeliveryState = "delivered" // the endpoint answered 2xx
	Parked    DeliveryState = "parked"    // every retry for RetryFor failed; redeliver by hand
)

// Delivery is the delivery record of one event.
type Delivery struct {
	State          DeliveryState `json:"state"`
	Attempts       int           `json:"attempts"`
	FirstAttemptAt time.Time     `json:"firstAttemptAt,omitzero"`
	NextAttemptAt  time.Time     `json:"nextAttemptAt,omitzero"`
	DeliveredAt    time.Time     `json:"deliveredAt,omitzero"`
	LastError      string        `json:"lastError,omitempty"` // e.g. "status 503", "timeout"
}

// Entry is one event of the feed with its delivery record. Version
// increases by one on every write (the condition of Store.Modify).
type Entry struct {
	Event
	Delivery Delivery
	Version  int64
}
