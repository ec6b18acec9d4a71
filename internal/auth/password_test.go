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
