package codes

import (
	"strings"
	"testing"
)

func TestNewUsesOnlyTheAlphabet(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c := New(6)
		if !Valid(c, 6, 6) {
			t.Fatalf("invalid code %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 1990 {
		t.Errorf("only %d distinct codes out of 2000", len(seen))
	}
	for _, bad := range "01ILO" {
		if strings.ContainsRune(Alphabet, bad) {
			t.Errorf("alphabet holds look-alike %q", bad)
		}
	}
}

func TestNormalizeAndValid(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"abc-234", "ABC234", true},
		{" k7m 9pq ", "K7M9PQ", true},
		{"ABC10O", "ABC10O", false}, // 1, 0 and O are not in the alphabet
		{"AB", "AB", false},
	}
	for _, tt := range tests {
		got := Normalize(tt.in)
		if got != tt.want || Valid(got, 6, 8) != tt.ok {
			t.Errorf("Normalize(%q) = %q valid %v; want %q %v", tt.in, got, Valid(got, 6, 8), tt.want, tt.ok)
		}
	}
}
