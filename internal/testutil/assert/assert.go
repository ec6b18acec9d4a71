// Package assert is a handful of test helpers, so tests read as checks
// rather than if-blocks, without pulling in a test framework.
package assert

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// Equal fails the test when got != want.
func Equal[T any](t testing.TB, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
}

// NoErr stops the test on an unexpected error.
func NoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// ErrIs fails the test unless errors.Is(err, target).
func ErrIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("error = %v; want %v", err, target)
	}
}

// Contains fails the test when s lacks any of subs.
func Contains(t testing.TB, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("missing %q in:\n%s", sub, clip(s))
		}
	}
}

// NotContains fails the test when s has any of subs.
func NotContains(t testing.TB, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("unexpected %q in:\n%s", sub, clip(s))
		}
	}
}

// True fails the test with msg when cond is false.
func True(t testing.TB, cond bool, msg string, args ...any) {
	t.Helper()
	if !cond {
		t.Errorf(msg, args...)
	}
}

func clip(s string) string {
	if os.Getenv("ASSERT_FULL") != "" {
		return s
	}
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}
