// Package openapi checks that docs/openapi.yaml documents every route the
// code registers, with the statuses each can answer and schemas whose
// properties are the Go structs' JSON fields, so the document cannot drift.
package openapi
