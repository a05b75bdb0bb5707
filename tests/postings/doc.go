// Package postings holds the integration tests of issue #5.
package postings
