// Package auth hashes and checks staff passwords. It imports nothing of the
// application.
package auth

import (
	"errors"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is the bcrypt cost for real accounts (about 250 ms on one core
// of the target machine: slow for guessing, fine for a login).
const DefaultCost = 12

// MinPasswordRunes is the shortest password accepted for a staff account.
const MinPasswordRunes = 10

// ErrWeakPassword is returned for a password shorter than MinPasswordRunes.
var ErrWeakPassword = errors.New("auth: password must have at least 10 characters")

// HashPassword hashes a password with bcrypt at the given cost (0 means
// DefaultCost). bcrypt is chosen over argon2id because its small, fixed
// memory use keeps the server inside its 100 MB budget under a login burst.
func HashPassword(password string, cost int) (string, error) {
	if utf8.RuneCountInString(password) < MinPasswordRunes {
		return "", ErrWeakPassword
	}
	if len(password) > 72 {
		return "", errors.New("auth: password must be at most 72 bytes")
	}
	if cost == 0 {
		cost = DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

// CheckPassword tells whether password matches hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// PINCost is the bcrypt cost for a learner's 4-digit PIN. Ten thousand
// PINs fall to any hash offline; what protects a PIN is the throttle on
// /resume, so the cost only needs to make a stolen table slow to read.
const PINCost = 10

// HashPIN hashes a learner's PIN (validated as four digits by the caller)
// at the given cost (0 means PINCost).
func HashPIN(pin string, cost int) (string, error) {
	if cost == 0 {
		cost = PINCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pin), cost)
	return string(h), err
}

// CheckPIN tells whether pin matches hash.
func CheckPIN(hash, pin string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pin)) == nil
}
