// Package dynamo is the DynamoDB adapter of leverlink: it implements the
// storage ports of the connection, link, posting, export, event and throttle
// packages on the four tables template.yaml declares.
//
// Layout (one schema, the template's):
//
//	connections  pk = company id                       one Connection item
//	links        pk = company id, sk = link#<positionId>     Link
//	             pk = company id, sk = posting#<postingId>   cached Posting
//	             pk = company id, sk = meta                  refreshedAt + refresh lease
//	exports      pk = company id, sk = export#<candidateId>  candidate export marker
//	             (GSI byState: gsi1pk = <company>#<state>, gsi1sk = <updatedAt>#<candidateId>)
//	             pk = company id, sk = activity#<candidateId>#<activityId>  activity marker
//	             pk = company id, sk = linkedin#<url>        LinkedIn contact index
//	             pk = <key>,      sk = bucket#<key>          token bucket
//	events       pk = event#<id>                             seen event ids
//	             pk = state#<id>                             OAuth states
//
// Every table has the TTL attribute expiresAt (epoch seconds). TTL deletion
// is lazy, so temporary items also carry their exact expiry (attribute
// "until", Unix nanoseconds) and the stores treat an expired item as absent.
// Times are stored as Unix nanoseconds (N) and read back in UTC.
//
// Every read-modify-write is a conditional write. The rules live in the
// domain packages (the token-bucket arithmetic is throttle.Bucket.Take's);
// the stores only apply them under their conditions, and pass the same
// contract suites (shared/storetest) as the in-memory stores of
// shared/memstore. Errors wrap an
// *apperr.Error: a failed condition is Conflict, throttling, 5xx and network
// failures are Transient, anything else (validation, missing table) is
// Internal. Error text never carries token values. All stores are safe for
// concurrent use.
package dynamo
