// Package lever is leverlink's typed client for Lever's Data API v1.
//
// It covers what the connector needs and nothing more: the OAuth 2.0
// authorization-code flow with rotating refresh tokens (OAuth), and a
// per-connection API Client for users, postings, stages, opportunities
// (archive state included), archive reasons, notes, files, resumes and stage
// changes.
//
// Every error returned by this package wraps an *apperr.Error, so callers
// decide on the Code alone:
//
//   - apperr.Unauthorized: the grant is gone. Reason "invalid_grant" comes from
//     the token endpoint, Reason "token_rejected" from the API rejecting a
//     freshly obtained access token. The customer must reconnect.
//   - Token-endpoint errors are classified by TokenFailureOf (RFC 6749 §5.2):
//     only invalid_grant is TokenReconnect; our own client credentials being
//     refused (invalid_client, 401/403 without invalid_grant) is
//     apperr.Transient with Reason "client_rejected" — never a reason to
//     revoke a customer.
//   - apperr.Forbidden, apperr.NotFound, apperr.Invalid: permanent; Invalid
//     keeps Lever's message and, for checks made before calling Lever, the
//     offending Field. CreateOpportunity naming an unknown or merged contact
//     carries Reason ReasonUnknownContact (IsUnknownContact); nothing was
//     created.
//   - apperr.RateLimited (RetryAfter set when Lever said) and apperr.Transient
//     (5xx, timeouts, connection resets, redirects to hosts outside
//     lever.co with Reason "redirect_refused"): retry later. For a create
//     that failed as Transient the write may have been applied; look in
//     Lever before writing again (see LEVER.md §3).
//
// Redirects (301/302/307/308) are followed by the client itself, only to
// https hosts under lever.co (or Config.RedirectHosts), keeping the method,
// body and Authorization: Lever's EU accounts are "re-directed automatically
// to the appropriate data center". A token is never sent to another host.
//
// Errors and messages never contain access or refresh tokens, request bodies
// or query strings (emails are candidate PII); they name the endpoint by its
// label, e.g. "GET /opportunities".
//
// Assumptions taken where Lever's documentation is silent (LEVER.md ⚠️):
// refresh tokens are single-use, so rotated tokens are persisted before use;
// Retry-After may be absent, seconds or an HTTP date; 401 on the API means the
// request was not applied, so it is retried once with a fresh token; a 429
// is refused by the rate limiter before anything is applied, so writes too
// are retried on it (up to RetryPolicy.MaxAttempts, after Retry-After); an
// unknown contact on create is a 404 or a 400 naming the contact; a
// redirected write was not applied, so it is replayed to the new address.
package lever
