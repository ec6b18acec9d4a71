package validate

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzText holds the text rule to its promises for any input: what it
// returns is valid, normalised UTF-8 without control or format characters,
// trimmed, with single spaces; accepted text is unchanged by a second pass;
// and a refusal always names one of the rule's messages.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn An", "Nguye\u0302\u0303n", " \t ", "Nguy\xffn", "An\x00", "\u202eAn", "\u200b", strings.Repeat("ễ", 90), "Ấp\nMỹ Hòa"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, problem := Text(in, 80)
		if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) {
			t.Fatalf("Text(%q) = %q: not valid NFC UTF-8", in, out)
		}
		if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
			t.Fatalf("Text(%q) = %q: not trimmed and folded", in, out)
		}
		for _, r := range out {
			if r == 0 || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("Text(%q) = %q: keeps %U", in, out, r)
			}
		}
		switch problem {
		case "":
			if again, p := Text(out, 80); again != out || p != "" {
				t.Fatalf("accepted %q changes on a second pass: %q %q", out, again, p)
			}
		case MsgTextEncoding, MsgTextControl, MsgTextTooLong:
		default:
			t.Fatalf("Text(%q): unknown problem %q", in, problem)
		}
		if s := Sanitize(in); !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
			t.Fatalf("Sanitize(%q) = %q keeps a refused character", in, s)
		}
	})
}

// FuzzPhone: whatever is typed, an accepted phone is ten ASCII digits
// starting with 0.
func FuzzPhone(f *testing.F) {
	for _, s := range []string{"0912 345 678", "+84 912 345 678", "84912345678", "091234", "０９１２３４５６７８", "09123456७८"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, ok := Phone(in)
		if !ok {
			return
		}
		if len(p) != 10 || p[0] != '0' || strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			t.Fatalf("Phone(%q) accepted %q", in, p)
		}
	})
}
