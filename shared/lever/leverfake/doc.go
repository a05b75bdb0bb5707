// Package leverfake is an in-memory fake of Lever's Data API v1 and OAuth
// server, served over real HTTP, for tests, benchmarks and the local stack.
//
// The fake follows Lever, not the client: every behaviour cites Lever's
// documentation (anchors of hire.lever.co/developer/documentation) or a
// response recorded from a real Lever sandbox (shared/lever/testdata/lever),
// and where Lever is silent the comment says which assumption was made.
// shared/lever's shape test compares its answers with those references.
//
// It implements the paths leverlink uses under /v1 with Lever's JSON shapes
// ({data,next,hasNext} lists with opaque offsets, {code,message} errors), the
// authorize/token endpoints with single-use rotating refresh tokens, token
// families (reuse of a rotated token revokes the family), idle (90 days) and
// absolute (1 year) refresh-token expiry on a clock tests can Advance, and
// JWT-shaped access tokens; Lever's rules that matter to the connector
// (perform_as, email dedupe onto existing contacts, one posting per
// opportunity, archived opportunities listed unless archived=false, the
// archive and archive-reason endpoints, published postings of the public job
// site only unless distributionChannel asks, resumes apart from files,
// updated_at_start/end and the deleted opportunities list); webhooks made
// through the API with signed deliveries (drop, duplicate and delay faults)
// triggered by the recruiter's stage changes, archives, hires and
// deletions (recruiter.go, webhook_delivery.go); an
// account "in another region" redirected (307) to a second listener; a
// per-account token bucket (10 req/s, burst 20 by default); and fault
// injection: latency, 5xx, 429 without Retry-After, hangs and "write applied
// but response lost", drawn from a seeded RNG or queued deterministically
// with FailNext.
//
// Tests drive it through Go methods (Fake, Account); the standalone command
// infra/leverfake and the local stack use the JSON admin surface under
// /_admin/, which is kept apart from Lever's paths.
//
// A Fake is safe for concurrent use. It knows nothing of the client package
// except Endpoints, so it checks the client's wire format independently.
package leverfake
