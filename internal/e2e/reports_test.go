package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/kynangso/kynangso/internal/store"
)

// districtCommunes reads, from the app's own database, the communes of the
// demo supervisor's district (huyen: district 859) and the code of its
// pilot commune.
func districtCommunes(t *testing.T, a *app, district string) (codes []string, pilot string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, a.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.UnitByCode(ctx, district)
	if err != nil {
		t.Fatal(err)
	}
	communes, err := st.UnitsUnder(ctx, d.Path, "commune")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range communes {
		codes = append(codes, c.Code)
		if c.Pilot {
			pilot = c.Code
		}
	}
	slices.Sort(codes)
	return codes, pilot
}

// supervisorFlow: the demo district supervisor signs in (on a phone, or on
// a desktop-wide screen) and lands on the district's report, which lists
// that district's communes and no other, marks the pilot commune, measures
// reach against population and target, and shows the trend chart and the
// breakdowns, each with its table. The Excel export, fetched by the same
// browser session, carries the numbers the page shows.
func supervisorFlow(t *testing.T, width int64) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	want, pilot := districtCommunes(t, a, "859")
	p := newPhone(t, a, "supervisor", phoneOpts{width: width})
	p.open("/login", 200)
	p.typeIn(`#username`, "huyen")
	p.typeIn(`#password`, "kynangso-demo")
	p.follow(`main form button[type=submit]`, 200)
	if path := eval[string](p, `location.pathname`); path != "/reports/" {
		t.Fatalf("the supervisor landed on %s", path)
	}
	p.see("Huyện Vũng Liêm", "Số liệu cập nhật lúc", "Đã học / dân số", "Đã học / chỉ tiêu", "Tự kích hoạt VNeID mức 2")

	// The drill-down table: one row per commune of the district, by code.
	rows := eval[[][]string](p, `Array.from(document.querySelectorAll('#table-units tbody tr')).map(tr => Array.from(tr.cells).map(td => td.textContent.trim()))`)
	head := eval[[]string](p, `Array.from(document.querySelectorAll('#table-units thead th')).map(th => th.textContent.trim())`)
	col := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 {
			t.Fatalf("no column %q in %q", name, head)
		}
		return i
	}
	var got []string
	byCode := map[string][]string{}
	for _, r := range rows {
		got = append(got, r[0])
		byCode[r[0]] = r
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("the report lists communes %v, the district has %v", got, want)
	}
	if pilot == "" || byCode[pilot][col("Thí điểm")] == "" {
		t.Fatalf("pilot commune %s not marked: %q", pilot, byCode[pilot])
	}
	for _, c := range want {
		if c != pilot && byCode[c][col("Thí điểm")] != "" {
			t.Fatalf("commune %s marked as pilot: %q", c, byCode[c])
		}
	}
	if v := byCode[pilot][col("Đã học / chỉ tiêu")]; !strings.HasSuffix(v, "%") {
		t.Fatalf("coverage against the target of the pilot commune: %q", v)
	}

	// The trend chart (server-drawn SVG, no script) with its table, and
	// the breakdowns.
	for _, sel := range []string{`#table-trend`, `#table-ages`, `#table-genders`, `#table-funnel`, `#table-pilot`} {
		if n := eval[int](p, `document.querySelectorAll('`+sel+` tbody tr').length`); n == 0 {
			t.Fatalf("%s has no rows", sel)
		}
	}
	if n := eval[int](p, `document.querySelectorAll('section[aria-labelledby="t-trend"] svg.chart').length`); n != 1 {
		t.Fatalf("trend charts: %d", n)
	}
	if w := eval[float64](p, `document.querySelector('section[aria-labelledby="t-trend"] svg.chart').getBoundingClientRect().width`); w < 200 || w > float64(width) {
		t.Fatalf("the trend chart is %.0f px wide on a %d px screen", w, width)
	}

	// The Excel file, as this browser downloads it.
	raw := eval[string](p, `fetch('/reports/export.xlsx').then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(b => {
		let s = ''; const u = new Uint8Array(b); for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return btoa(s) })`)
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the export does not open: %v", err)
	}
	sheet, err := f.GetRows("Theo đơn vị")
	if err != nil {
		t.Fatal(err)
	}
	header := slices.IndexFunc(sheet, func(r []string) bool { return len(r) > 0 && r[0] == "Mã" })
	if header < 0 {
		t.Fatal("no header row in the sheet")
	}
	matched := 0
	for _, r := range sheet[header+1:] {
		page, ok := byCode[r[0]]
		if !ok || len(r) <= col("Đã học (xong ít nhất 1 bài)") {
			continue
		}
		for _, name := range []string{"Đã đăng ký", "Đã học (xong ít nhất 1 bài)", "Có học trong 30 ngày"} {
			i := col(name)
			if plain := strings.ReplaceAll(page[i], ".", ""); plain != r[i] {
				t.Fatalf("%s of %s: %q on the page, %q in the export", name, r[0], page[i], r[i])
			}
		}
		matched++
	}
	if matched != len(want) {
		t.Fatalf("%d of the district's %d communes found in the export", matched, len(want))
	}

	// The monthly return, printed with the page's print styles on A4 in
	// landscape (a return has a dozen columns): a district's twenty
	// communes, subtotal and sign-off block on two pages at most (the
	// table may break between rows; its header repeats).
	p.open("/reports/units/859/monthly", 200)
	p.see("Người lập biểu", "Thủ trưởng đơn vị")
	if n := p.printPages(); n < 1 || n > 2 {
		t.Fatalf("the district's monthly return prints on %d A4 pages, want 2 at most", n)
	}
	pdf := printPDF(p)
	for _, m := range mediaBox.FindAllSubmatch(pdf, -1) {
		w, _ := strconv.ParseFloat(string(m[1]), 64)
		h, _ := strconv.ParseFloat(string(m[2]), 64)
		if w < h || w < 840 || w > 843 {
			t.Fatalf("a page of the monthly return is %.0f × %.0f pt, not A4 landscape", w, h)
		}
	}
}

var mediaBox = regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`)

// printPDF prints the current page as the browser's Print command does,
// with the page's own page size.
func printPDF(p *phone) []byte {
	p.t.Helper()
	yes := true
	var pdf []byte
	err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes})
		pdf = res.Data
		return err
	}))
	if err != nil {
		p.t.Fatalf("print: %v", err)
	}
	return pdf
}

func TestSupervisorReportPhone(t *testing.T)   { supervisorFlow(t, phoneWidth) }
func TestSupervisorReportDesktop(t *testing.T) { supervisorFlow(t, 1280) }
