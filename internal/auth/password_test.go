package auth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashAndCheck(t *testing.T) {
	h, err := HashPassword("mật khẩu thật dài", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "mật khẩu thật dài") {
		t.Error("right password refused")
	}
	if CheckPassword(h, "mật khẩu thật dàI") {
		t.Error("wrong password accepted")
	}
	if _, err := HashPassword("ngắn quá", bcrypt.MinCost); err != ErrWeakPassword {
		t.Errorf("short password: err = %v", err)
	}
}

// TestZeroCostMeansTheRealOne: the server passes 0 (tests pass a low
// cost), which must give the cost chosen above, not bcrypt's minimum.
// (HashPassword reads 0 the same way; a cost-12 hash would take seconds
// under the race detector.)
func TestZeroCostMeansTheRealOne(t *testing.T) {
	pin, err := HashPIN("2468", 0)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost([]byte(pin)); c != PINCost {
		t.Errorf("PIN hashed at cost %d, want %d", c, PINCost)
	}
	if !CheckPIN(pin, "2468") || CheckPIN(pin, "2469") {
		t.Error("PIN check is wrong")
	}
}
