package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/store"
)

// demoTrainer names the demo trainer of a pilot commune, read from the
// app's own database (the demo gives each pilot commune "gv<code>").
func demoTrainer(t *testing.T, a *app) string {
	t.Helper()
	st, err := store.Open(context.Background(), a.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	communes, err := st.UnitsByLevel(context.Background(), "commune")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range communes {
		if c.Pilot {
			return "gv" + c.Code
		}
	}
	t.Fatal("the demo has no pilot commune")
	return ""
}

// printPages prints the current page to PDF on A4 (as the browser's Print
// command does, with the page's print styles) and counts its pages.
func (p *phone) printPages() int {
	p.t.Helper()
	pdf := printPDF(p)
	if !strings.HasPrefix(string(pdf), "%PDF") {
		p.t.Fatal("print did not make a PDF")
	}
	return len(pdfPage.FindAll(pdf, -1))
}

var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// trainerFlow: a demo trainer signs in on a phone, creates a class, opens
// its poster, enrols a resident on their behalf and prints their card.
func trainerFlow(t *testing.T, noJS bool) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	user := demoTrainer(t, a)
	p := newPhone(t, a, "trainer", phoneOpts{noJS: noJS})
	p.open("/login", 200)
	p.typeIn(`#username`, user)
	p.typeIn(`#password`, "kynangso-demo")
	p.follow(`main form button[type=submit]`, 200)

	p.open("/trainer/classes", 200)
	p.follow(`a[href="/trainer/classes/new"]`, 200)
	p.typeIn(`#name`, "Lớp tối ấp Mỹ Hòa")
	p.typeIn(`#place`, "Nhà văn hóa ấp 3")
	p.typeIn(`#schedule`, "Tối thứ Ba, 19 giờ")
	p.follow(`main form.form button[type=submit]`, 200)
	p.see("Đã mở lớp.", "Lớp tối ấp Mỹ Hòa", "Nhà văn hóa ấp 3")
	code := p.text(`.codebox .code`)
	if len(code) != 6 {
		t.Fatalf("class code %q", code)
	}

	p.follow(`a[href$="/poster"]`, 200)
	p.see("Lớp tối ấp Mỹ Hòa", "Mở camera điện thoại", code)
	if n := p.printPages(); n != 1 {
		t.Fatalf("the poster prints on %d pages, want 1", n)
	}
	p.follow(`.crumbs a`, 200)

	p.follow(`a[href$="/enrol"]`, 200)
	p.typeIn(`#name`, "Lê Văn Tám")
	p.typeIn(`#birth_year`, "1949")
	p.tap(`input[name=gender][value=male]`)
	p.tap(`input[name=consent]`)
	p.follow(`main form.form button[type=submit]`, 200)
	p.see("Đã thêm Lê Văn Tám")
	personal := p.text(`.codebox .code`)
	p.follow(`a[href*="/cards?learner="]`, 200)
	p.see("Lê Văn Tám", personal, "Mã PIN: ____")
	if n := p.printPages(); n != 1 {
		t.Fatalf("one card prints on %d pages, want 1", n)
	}
}

func TestTrainerEnrolsAndPrints(t *testing.T)     { trainerFlow(t, false) }
func TestTrainerEnrolsAndPrintsNoJS(t *testing.T) { trainerFlow(t, true) }
