// Package event holds the webhook contract between the vendor's backend and
// leverlink: event types and payloads, signature verification, validation,
// replay protection and trigger evaluation.
package event
