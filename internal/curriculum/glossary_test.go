package curriculum_test

import (
	"strings"
	"testing"
	"testing/fstest"

	. "github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/testutil"
)

// miniGlossary is a valid glossary for the mini content tree. Tests edit it
// and know its line numbers.
const miniGlossary = `- slug: ma-otp
  term: "mã OTP"
  variants: ["OTP"]
  definition: "Dãy số gửi qua tin nhắn, dùng một lần."
- slug: ung-dung
  term: "ứng dụng"
  variants: ["app"]
  definition: "Chương trình cài trên điện thoại."
- slug: ma-qr
  term: "mã QR"
  definition: "Ô vuông nhiều chấm đen trắng."
- slug: wi-fi
  term: "Wi-Fi"
  definition: "Mạng Internet không dây."
`

// withBody replaces the body of the Vietnamese internet lesson.
func withBody(body string) func(fstest.MapFS) {
	return func(f fstest.MapFS) {
		head, _, _ := strings.Cut(testutil.MiniLesson, "---\nMở đầu.")
		f["vi/internet/01-bat-wifi.md"].Data = []byte(head + "---\n" + body)
	}
}

func loadWithGlossary(t *testing.T, edits ...func(fstest.MapFS)) (*Catalog, error) {
	t.Helper()
	fsys := testutil.MiniContent()
	fsys["vi/glossary.yaml"] = &fstest.MapFile{Data: []byte(miniGlossary)}
	for _, e := range edits {
		e(fsys)
	}
	return Load(fsys, "content")
}

func TestGlossaryLinksTheFirstUseOfEachTerm(t *testing.T) {
	body := "## Mã OTP là gì\n\n" +
		"Mở [ứng dụng ngân hàng](/modules/email/bat-wifi) và đọc tin nhắn.\n\n" +
		"Mã OTP gửi tới bạn. Không đọc OTP cho ai. Mã OTP chỉ dùng một lần.\n\n" +
		"![Ảnh ứng dụng có mã QR](/media/wifi.svg)\n\n" +
		"1. Hãy apply cho VietQR, không phải `app` nào cũng tốt.\n" +
		"2. Cài **ứng dụng** từ CH Play; mọi app khác thì không.\n\n" +
		"> **Ghi nhớ:** Quét mã QR để trả tiền; Wi-Fi ở nhà thì dùng.\n"
	cat, err := loadWithGlossary(t, withBody(body))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	l, _ := cat.Lesson("vi", "internet", "bat-wifi")
	html := string(l.Body)
	for _, want := range []string{
		"<h2>Mã OTP là gì</h2>",                                                           // headings stay plain
		`<a href="/modules/email/bat-wifi">ứng dụng ngân hàng</a>`,                        // no link inside a link
		`<a href="/glossary#ma-otp">Mã OTP</a> gửi tới bạn. Không đọc OTP cho ai. Mã OTP`, // first use only, any case
		`alt="Ảnh ứng dụng có mã QR"`,                                                     // alt text untouched
		"Hãy apply cho VietQR, không phải <code>app</code>",                               // whole words only; code untouched
		`Cài <strong><a href="/glossary#ung-dung">ứng dụng</a></strong> từ CH Play; mọi app khác`,
		`Quét <a href="/glossary#ma-qr">mã QR</a> để trả tiền; <a href="/glossary#wi-fi">Wi-Fi</a> ở nhà`, // the closing line counts
	} {
		if !strings.Contains(html, want) {
			t.Errorf("body lacks %s\n%s", want, html)
		}
	}
	if n := strings.Count(html, `href="/glossary#`); n != 4 {
		t.Errorf("%d glossary links, want 4 (one per term):\n%s", n, html)
	}
}

func TestGlossaryLongestFormWins(t *testing.T) {
	cat, err := loadWithGlossary(t, func(f fstest.MapFS) {
		f["vi/glossary.yaml"].Data = []byte(miniGlossary + "- slug: otp\n  term: \"OTP lẻ\"\n  definition: \"Thử.\"\n")
	}, withBody("Đọc mã OTP.\n\n1. Một bước.\n\n> **Ghi nhớ:** OTP lẻ.\n"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	l, _ := cat.Lesson("vi", "internet", "bat-wifi")
	for _, want := range []string{`<a href="/glossary#ma-otp">mã OTP</a>`, `<a href="/glossary#otp">OTP lẻ</a>`} {
		if !strings.Contains(string(l.Body), want) {
			t.Errorf("body lacks %s\n%s", want, l.Body)
		}
	}
}

func TestGlossaryIsSortedAndShared(t *testing.T) {
	cat, err := loadWithGlossary(t)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var got []string
	for _, term := range cat.Glossary("vi") {
		got = append(got, term.Term)
	}
	// Vietnamese order: ư comes after u and before v, and w after v.
	if want := "mã OTP|mã QR|ứng dụng|Wi-Fi"; strings.Join(got, "|") != want {
		t.Errorf("order = %s, want %s", strings.Join(got, "|"), want)
	}
	if term, ok := cat.GlossaryTerm("en", "ma-otp"); !ok || term.Locale != "vi" {
		t.Errorf("English without a glossary should borrow the Vietnamese one, got %+v %v", term, ok)
	}
}

func TestGlossaryProblems(t *testing.T) {
	const file = "content/vi/glossary.yaml"
	glossary := func(old, new string) func(fstest.MapFS) {
		return func(f fstest.MapFS) {
			s := string(f["vi/glossary.yaml"].Data)
			if !strings.Contains(s, old) {
				panic("glossary fixture lacks " + old)
			}
			f["vi/glossary.yaml"].Data = []byte(strings.Replace(s, old, new, 1))
		}
	}
	tests := []struct {
		name string
		edit func(fstest.MapFS)
		want string
	}{
		{"duplicate slug", glossary("slug: ung-dung", "slug: ma-otp"), file + ":5: duplicate slug \"ma-otp\": line 1 uses it too"},
		{"variant of another term", glossary(`variants: ["app"]`, `variants: ["OTP"]`), file + ":7: \"OTP\" already belongs to the entry \"ma-otp\" (line 3)"},
		{"variant equal to another term, other case", glossary(`term: "mã QR"`, `term: "Mã otp"`), file + ":10: \"Mã otp\" already belongs to the entry \"ma-otp\" (line 2)"},
		{"variant twice in one term", glossary(`variants: ["app"]`, `variants: ["app", "App"]`), file + ":7: \"App\" is listed twice for term \"ứng dụng\""},
		{"empty variant", glossary(`variants: ["app"]`, `variants: ["app", " "]`), file + ":7: variant 2 of term \"ứng dụng\" is empty"},
		{"empty definition", glossary(`definition: "Ô vuông nhiều chấm đen trắng."`, `definition: ""`), file + ":9: term \"mã QR\" has no definition"},
		{"definition too long", glossary(`definition: "Ô vuông nhiều chấm đen trắng."`, `definition: "`+strings.Repeat("ô ", 160)+`"`), file + ":11: the definition of \"mã QR\" has"},
		{"missing slug", glossary("- slug: ma-qr\n", "- slug: \"\"\n"), file + ":9: entry 3 has no slug"},
		{"bad slug", glossary("slug: ma-qr", "slug: Mã_QR"), file + ":9: slug \"Mã_QR\" must be lower-case"},
		{"missing term", glossary(`term: "mã QR"`, `term: ""`), file + ":9: entry 3 has no term"},
		{"decomposed accents", glossary(`term: "ứng dụng"`, "term: \"u\u031b\u0301ng du\u0323ng\""), file + ":6: \"u\u031b\u0301ng du\u0323ng\" is not in composed Unicode"},
		{"unknown key", glossary("definition: \"Mạng Internet không dây.\"", "meaning: \"Mạng Internet không dây.\""), file + ":14: unknown key \"meaning\""},
		{"not a list", func(f fstest.MapFS) { f["vi/glossary.yaml"].Data = []byte("slug: ma-otp\n") }, file + ":1: cannot unmarshal"},
		{"empty file", func(f fstest.MapFS) { f["vi/glossary.yaml"].Data = []byte("\n") }, file + ":1: the glossary is empty"},
		{"translation with an unknown slug", func(f fstest.MapFS) {
			f["en/glossary.yaml"] = &fstest.MapFile{Data: []byte("- slug: ma-otp\n  term: \"OTP\"\n  definition: \"A code.\"\n- slug: khong-co\n  term: \"nothing\"\n  definition: \"Nothing.\"\n")}
		}, "content/en/glossary.yaml:4: term \"nothing\" has slug \"khong-co\", which the Vietnamese glossary does not have"},
		{"lesson link to an unknown term", withBody("Xem [từ này](/glossary#khong-co).\n\n1. Bước.\n\n> **Ghi nhớ:** Hết.\n"),
			"content/vi/internet/01-bat-wifi.md:45: link \"/glossary#khong-co\" points to no glossary term"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadWithGlossary(t, tt.edit)
			wantProblem(t, err, tt.want)
		})
	}
}

func TestGlossaryLinkToAKnownTermIsFine(t *testing.T) {
	if _, err := loadWithGlossary(t, withBody("Xem [mã](/glossary#ma-qr).\n\n1. Bước.\n\n> **Ghi nhớ:** Hết.\n")); err != nil {
		t.Fatalf("Load: %v", err)
	}
}
