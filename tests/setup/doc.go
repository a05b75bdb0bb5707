// Package setup holds the hosted setup page's browser tests: Go tests that
// drive Debian's Chromium with chromedp against a real local stack
// (DynamoDB Local and fauxqs through apptest, the fake Lever over HTTP, the
// api and OAuth callback handlers on one local HTTP server). They skip only
// with -short. Each step saves a screenshot under
// $LEVERLINK_ARTIFACTS/setup/<test>/ (a temporary folder when unset).
package setup
