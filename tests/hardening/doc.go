// Package hardening holds the HTTP-boundary tests of issue #13: every valid
// input accepted, every invalid one refused naming its field, nothing
// silently dropped, the OAuth code bound to its flow. Each test drives the
// real handlers of a whole local stack (shared/app/apptest).
package hardening
