package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// ctx returns a context for one contract test, cancelled when it ends.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// base is the reference time of the contract suites (UTC, with nanoseconds,
// so that a store that drops precision is caught).
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

// wantCode fails the test unless err carries the apperr code (nil for "").
func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("%s: error code = %q (err %v), want %q", what, got, err, code)
	}
}

// wantReason fails the test unless err is an apperr Conflict with reason.
func wantReason(t *testing.T, what string, err error, reason string) {
	t.Helper()
	wantCode(t, what, err, apperr.Conflict)
	if got := apperr.ReasonOf(err); got != reason {
		t.Fatalf("%s: reason = %q (err %v), want %q", what, got, err, reason)
	}
}

// must fails the test on a non-nil error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantEqual fails the test unless got equals want, comparing times with
// time.Time.Equal (stores may return another location).
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !equal(reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

var timeType = reflect.TypeOf(time.Time{})

func equal(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
}

// race runs fn(i) for i in [0, n) at the same moment from n goroutines and
// returns the errors by i.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// winners counts the nil errors and fails the test on any error whose code
// is not the expected losing code.
func winners(t *testing.T, what string, errs []error, losing apperr.Code) int {
	t.Helper()
	n := 0
	for i, err := range errs {
		switch {
		case err == nil:
			n++
		case apperr.CodeOf(err) != losing:
			t.Errorf("%s: call %d: %v, want nil or %s", what, i, err, losing)
		}
	}
	return n
}
