package validate

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	decomposed := "Nguye\u0302\u0303n" // "Nguyễn" typed with combining marks
	if got := Clean("  " + decomposed + "   Văn\tAn "); got != "Nguyễn Văn An" {
		t.Errorf("Clean = %q", got)
	}
	if !MaxRunes("Nguyễn", 6) || MaxRunes("Nguyễn", 5) {
		t.Error("MaxRunes must count characters, not bytes")
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0912345678", "0912345678", true},
		{"0912 345 678", "0912345678", true},
		{"0912.345.678", "0912345678", true},
		{"+84 912 345 678", "0912345678", true},
		{"84912345678", "0912345678", true},
		{"091234567", "091234567", false},
		{"1912345678", "1912345678", false},
		{"09123456ab", "09123456ab", false},
	}
	for _, tt := range tests {
		got, ok := Phone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Phone(%q) = %q %v; want %q %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFormKeepsFirstProblemPerField(t *testing.T) {
	var f Form
	f.Check(true, "name", "ok")
	f.Check(false, "name", "form.error.required")
	f.Check(false, "name", "form.error.too_long")
	if m := f.Err("name"); m == nil || m.ID != "form.error.required" || f.Valid() || f.Err("phone") != nil {
		t.Errorf("got %+v", f.FieldErrors)
	}
	if !PIN("0123") || PIN("123") || PIN("12a4") {
		t.Error("PIN")
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want, problem string
	}{
		{"plain", "  Nguyễn   Văn An ", "Nguyễn Văn An", ""},
		{"decomposed to NFC", "Nguye\u0302\u0303n", "Nguyễn", ""},
		{"tabs and newlines are spaces", "Ấp\tMỹ\nHòa", "Ấp Mỹ Hòa", ""},
		{"invalid UTF-8", "Nguy\xffn", "Nguy\uFFFDn", MsgTextEncoding},
		{"NUL", "An\x00", "An\uFFFD", MsgTextEncoding},
		{"control", "An\x07", "An\uFFFD", MsgTextControl},
		{"C1 control", "An\u0085", "An\uFFFD", MsgTextControl},
		{"right-to-left override", "\u202EnA nǎV", "\uFFFDnA nǎV", MsgTextControl},
		{"isolate", "An\u2066x", "An\uFFFDx", MsgTextControl},
		{"zero-width space", "A\u200Bn", "A\uFFFDn", MsgTextControl},
		{"byte order mark", "\uFEFFAn", "\uFFFDAn", MsgTextControl},
		{"too long", strings.Repeat("ễ", 81), strings.Repeat("ễ", 81), MsgTextTooLong},
		{"exactly long enough", strings.Repeat("ễ", 80), strings.Repeat("ễ", 80), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := Text(tt.in, 80)
			if got != tt.want || problem != tt.problem {
				t.Errorf("Text(%q) = %q, %q; want %q, %q", tt.in, got, problem, tt.want, tt.problem)
			}
		})
	}
	if HasLetter("1234 -.") || !HasLetter("Út") {
		t.Error("HasLetter")
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"Nguy\xffn":          "Nguy\uFFFDn",
		"An\x00\u202e ":      "An",
		" Lê\u200bThị  ":     "LêThị",
		"Nguye\u0302\u0303n": "Nguyễn",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q; want %q", in, got, want)
		}
	}
}
