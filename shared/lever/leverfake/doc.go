// Package leverfake is an in-memory fake of Lever's Data API v1 and OAuth
// server, served over real HTTP, for tests, benchmarks and the local stack.
//
// It implements the paths leverlink uses under /v1 with Lever's JSON shapes
// ({data,next,hasNext} lists with opaque offsets, {code,message} errors), the
// authorize/token endpoints with single-use rotating refresh tokens and
// JWT-shaped access tokens, Lever's rules that matter to the connector
// (perform_as, email dedupe onto existing contacts, one posting per
// opportunity), a per-account token bucket (10 req/s, burst 20 by default),
// and fault injection: latency, 5xx, hangs and "write applied but response
// lost", drawn from a seeded RNG or queued deterministically with FailNext.
//
// Tests drive it through Go methods (Fake, Account); the standalone command
// infra/leverfake and the local stack use the JSON admin surface under
// /_admin/, which is kept apart from Lever's paths.
//
// A Fake is safe for concurrent use. It knows nothing of the client package
// except Endpoints, so it checks the client's wire format independently.
package leverfake
