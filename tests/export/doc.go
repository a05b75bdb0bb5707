// Package export holds the integration tests of issue #6.
package export
