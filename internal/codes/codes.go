// Package codes makes and reads the short codes people copy by hand: class
// join codes, personal learner codes and certificate codes. The alphabet
// leaves out look-alikes (0/O, 1/I/L), so a code read aloud or copied from
// paper cannot be mistaken. It imports nothing of the application.
package codes

import (
	"crypto/rand"
	"strings"
)

// Alphabet is the set of characters codes are made of.
const Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// New returns a random code of n characters from Alphabet.
func New(n int) string {
	b := make([]byte, n)
	// Reject the top bytes that would make some characters likelier.
	limit := byte(256 - 256%len(Alphabet))
	buf := make([]byte, 1)
	for i := 0; i < n; {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
		if buf[0] >= limit {
			continue
		}
		b[i] = Alphabet[int(buf[0])%len(Alphabet)]
		i++
	}
	return string(b)
}

// Normalize turns what a person typed into the canonical form: upper case,
// without the spaces, dashes and dots people add when copying a code.
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r != ' ' && r != '-' && r != '.' && r != '\t' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Valid tells whether s (normalized) is a code of min to max characters
// from Alphabet.
func Valid(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(Alphabet, rune(s[i])) {
			return false
		}
	}
	return true
}
