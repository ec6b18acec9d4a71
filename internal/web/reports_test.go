package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// apiUnit mirrors the report API's JSON (DESIGN §4).
type apiUnit struct {
	Code       string                     `json:"code"`
	Name       string                     `json:"name"`
	Level      string                     `json:"level"`
	Population *int64                     `json:"population"`
	Target     *int                       `json:"target"`
	Registered int64                      `json:"registered"`
	Active30d  int64                      `json:"active_30d"`
	Reached    int64                      `json:"reached"`
	Graduates  int64                      `json:"graduates"`
	Modules    map[string]int64           `json:"modules"`
	Tasks      map[string]store.TaskReach `json:"tasks"`
	Children   []apiUnit                  `json:"children"`
}

func getJSON(t *testing.T, c *testutil.Client, path string, v any) int {
	t.Helper()
	res := c.Get(path)
	if res.Status == http.StatusOK {
		assert.NoErr(t, json.Unmarshal([]byte(res.Body), v))
	}
	return res.Status
}

// TestDistrictSupervisorSeesTheirDistrict: the demo district supervisor
// lands on the district's report, which names its communes and no other,
// marks the pilot commune, measures reach against population and target,
// and has the trend chart and the breakdowns, each with its table; the
// Excel export carries the same numbers as the API.
func TestDistrictSupervisorSeesTheirDistrict(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	// The district's pilot commune gets a learner who passes a lesson (the
	// test's small demo may have put none there).
	var pilot store.Unit
	communes, err := srv.Store.UnitsUnder(ctx, "/86/859/", "commune")
	assert.NoErr(t, err)
	for _, u := range communes {
		if u.Pilot {
			pilot = u
		}
	}
	l := store.Learner{Name: "Huỳnh Thị Mười Ba", BirthYear: 1970, UnitCode: pilot.Code}
	assert.NoErr(t, srv.Store.CreateLearner(ctx, &l))
	_, err = srv.Store.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: "internet", Lesson: "x", Score: 3, Total: 3, Passed: true, Submission: "first-attempt"})
	assert.NoErr(t, err)
	c := staffLogin(t, srv, "huyen", demo.Password)
	page := c.Get("/reports/")
	assert.Equal(t, page.Status, http.StatusOK)
	mine := communes
	others, err := srv.Store.UnitsUnder(ctx, "/86/855/", "commune")
	assert.NoErr(t, err)
	for _, u := range mine {
		assert.Contains(t, page.Body, ">"+u.Name+"<")
	}
	for _, u := range others {
		assert.NotContains(t, page.Body, ">"+u.Name+"<")
	}
	assert.Contains(t, page.Body, "Huyện Vũng Liêm", "Thí điểm", "Số liệu cập nhật lúc", "Đã học / dân số", "Đã học / chỉ tiêu",
		"149.371", `id="table-trend"`, `id="table-ages"`, `id="table-genders"`, `id="table-funnel"`, `id="table-pilot"`,
		`<svg class="chart" role="img"`, "Tự kích hoạt VNeID mức 2")
	assert.NotContains(t, page.Body, " style=", "<script")

	// The same numbers in the API and in the Excel file.
	var api apiUnit
	assert.Equal(t, getJSON(t, c, "/reports/api/units/859", &api), http.StatusOK)
	assert.Equal(t, len(api.Children), len(mine))
	res := c.Get("/reports/export.xlsx")
	assert.Equal(t, res.Status, http.StatusOK)
	f, err := excelize.OpenReader(strings.NewReader(res.Body))
	assert.NoErr(t, err)
	rows, err := f.GetRows("Theo đơn vị")
	assert.NoErr(t, err)
	byCode := map[string][]string{}
	header := -1
	for i, r := range rows {
		if len(r) > 0 && r[0] == "Mã" {
			header = i
		}
		if header >= 0 && i > header && len(r) > 7 {
			byCode[r[0]] = r
		}
	}
	assert.True(t, header >= 0, "no header row in the sheet")
	col := func(name string) int {
		for i, h := range rows[header] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %v", name, rows[header])
		return 0
	}
	reg, reached := col("Đã đăng ký"), col("Đã học (xong ít nhất 1 bài)")
	total := 0
	for _, ch := range api.Children {
		r := byCode[ch.Code]
		assert.True(t, r != nil, "commune %s missing from the Excel file", ch.Code)
		assert.Equal(t, r[reg], strconv.FormatInt(ch.Registered, 10))
		assert.Equal(t, r[reached], strconv.FormatInt(ch.Reached, 10))
		total += int(ch.Registered)
	}
	assert.True(t, total > 0, "the district's communes have no learners in the demo")

	// Every table also as CSV, with a byte-order mark for Excel.
	csvRes := c.Get("/reports/export.csv?unit=859&table=ages")
	assert.Equal(t, csvRes.Status, http.StatusOK)
	assert.True(t, strings.HasPrefix(csvRes.Body, "\ufeffĐộ tuổi,"), "CSV: %.60q", csvRes.Body)
	// A commune of another district is not in this supervisor's reach.
	assert.Equal(t, c.Get("/reports/units/"+others[0].Code).Status, http.StatusNotFound)
	assert.Equal(t, c.Get("/reports/export.csv?unit="+others[0].Code).Status, http.StatusNotFound)
	assert.Equal(t, c.Get("/reports/units/"+mine[0].Code).Status, http.StatusOK)
}

var tokenRe = regexp.MustCompile(`<p class="token">(kns_[A-Za-z0-9_-]+)</p>`)

// newToken makes an API token through the admin page and returns it.
func newToken(t *testing.T, admin *testutil.Client, name, unit string) string {
	t.Helper()
	admin.Get("/admin/tokens")
	res := admin.Post("/admin/tokens", url.Values{"name": {name}, "unit": {unit}})
	assert.Equal(t, res.Status, http.StatusOK)
	m := tokenRe.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no token shown:\n%.2000s", res.Body)
	}
	return m[1]
}

func bearer(srv *testutil.Server, token string) *testutil.Client {
	c := srv.Client()
	c.Header.Set("Authorization", "Bearer "+token)
	return c
}

// TestReportAPIWithTokens: an admin's token for the province reads a
// province whose children add up to it; a token for one district gets 404
// on another; revoked and unknown tokens get 401; every use is logged.
func TestReportAPIWithTokens(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	admin := staffLogin(t, srv, "admin", demo.Password)
	province := newToken(t, admin, "Sở TT&TT", "86")
	district := newToken(t, admin, "Phòng VH-TT Vũng Liêm", "859")

	var p apiUnit
	assert.Equal(t, getJSON(t, bearer(srv, province), "/reports/api/units/86?depth=2", &p), http.StatusOK)
	assert.Equal(t, p.Code, "86")
	assert.Equal(t, p.Level, "province")
	assert.True(t, p.Registered > 0, "the demo province has no learners")
	var sum apiUnit
	sum.Modules = map[string]int64{}
	for _, d := range p.Children {
		sum.Registered += d.Registered
		sum.Active30d += d.Active30d
		sum.Reached += d.Reached
		sum.Graduates += d.Graduates
		for k, v := range d.Modules {
			sum.Modules[k] += v
		}
		var communes apiUnit
		for _, c := range d.Children {
			communes.Registered += c.Registered
			communes.Reached += c.Reached
		}
		assert.Equal(t, communes.Registered, d.Registered)
		assert.Equal(t, communes.Reached, d.Reached)
	}
	assert.Equal(t, sum.Registered, p.Registered)
	assert.Equal(t, sum.Active30d, p.Active30d)
	assert.Equal(t, sum.Reached, p.Reached)
	assert.Equal(t, sum.Graduates, p.Graduates)
	assert.Equal(t, fmt.Sprint(sum.Modules), fmt.Sprint(p.Modules))

	// The raw JSON has exactly the fields of DESIGN §4.
	raw := bearer(srv, district).Get("/reports/api/units/859")
	assert.Equal(t, raw.Status, http.StatusOK)
	var fields map[string]json.RawMessage
	assert.NoErr(t, json.Unmarshal([]byte(raw.Body), &fields))
	for _, k := range []string{"code", "name", "level", "population", "target", "registered", "active_30d", "reached", "graduates", "modules", "tasks", "children"} {
		_, ok := fields[k]
		assert.True(t, ok, "the API's answer lacks %q", k)
	}
	assert.Equal(t, len(fields), 12)

	// A district's token reads its district, not another.
	assert.Equal(t, bearer(srv, district).Get("/reports/api/units/855").Status, http.StatusNotFound)
	assert.Equal(t, bearer(srv, district).Get("/reports/api/units/86").Status, http.StatusNotFound)
	assert.Equal(t, bearer(srv, district).Get("/reports/export.csv?unit=855").Status, http.StatusNotFound)
	assert.Equal(t, bearer(srv, district).Get("/reports/export.csv").Status, http.StatusOK)
	// Tokens are no sessions: the pages of the area stay closed to them.
	assert.Equal(t, bearer(srv, province).Get("/reports/").Status, http.StatusSeeOther)
	assert.Equal(t, bearer(srv, "kns_not-a-token").Get("/reports/api/units/86").Status, http.StatusUnauthorized)
	assert.Equal(t, srv.Client().Get("/reports/api/units/86").Status, http.StatusSeeOther)

	// Revoked, the token stops at once; its uses stay listed.
	tokens, err := srv.Store.APITokensUnder(ctx, "/86/")
	assert.NoErr(t, err)
	var districtID int64
	for _, tk := range tokens {
		if tk.UnitCode == "859" {
			districtID = tk.ID
			assert.Equal(t, tk.Uses, int64(5))
			assert.True(t, tk.TokenHash != district && !strings.Contains(tk.TokenHash, "kns_"), "the token is stored in clear")
		}
	}
	assert.Equal(t, admin.Post(fmt.Sprintf("/admin/tokens/%d/revoke", districtID), url.Values{}).Status, http.StatusSeeOther)
	assert.Equal(t, bearer(srv, district).Get("/reports/api/units/859").Status, http.StatusUnauthorized)
	page := admin.Get("/admin/tokens")
	assert.Contains(t, page.Body, "Phòng VH-TT Vũng Liêm", "Đã thu hồi", "/reports/api/units/855")
	assert.NotContains(t, page.Body, district)

	// A district admin sees and revokes only their district's tokens.
	addUser(t, srv.Store, "qt.vungliem", auth.RoleAdmin, "859")
	dAdmin := staffLogin(t, srv, "qt.vungliem", demo.Password)
	assert.NotContains(t, dAdmin.Get("/admin/tokens").Body, "Sở TT&amp;TT")
	for _, tk := range tokens {
		if tk.UnitCode == "86" {
			assert.Equal(t, dAdmin.Post(fmt.Sprintf("/admin/tokens/%d/revoke", tk.ID), url.Values{}).Status, http.StatusNotFound)
		}
	}
	bad := dAdmin.Post("/admin/tokens", url.Values{"name": {""}, "unit": {"86"}})
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, "Hãy đặt tên gợi nhớ cho khóa.", "Hãy chọn một đơn vị trong danh sách.")
}

// TestOpenDataShowsNoSmallCount: reach.csv and reach.json need no login,
// show no count under 5, and a district minus its shown communes never
// comes to 1-4.
func TestOpenDataShowsNoSmallCount(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c := srv.Client()
	res := c.Get("/open-data/reach.csv")
	assert.Equal(t, res.Status, http.StatusOK)
	assert.True(t, strings.HasPrefix(res.Body, "\ufeffcode,name,level,parent_code,pilot,population,population_year,registered,reached,graduates"), "header: %.100q", res.Body)
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
	assert.NoErr(t, err)
	type row struct {
		parent string
		vals   [3]string
	}
	rows := map[string]row{}
	suppressed, shown := 0, 0
	for _, r := range records[1:] {
		for _, v := range r[7:10] {
			switch v {
			case "<5", "x":
				suppressed++
			default:
				n, err := strconv.Atoi(v)
				assert.NoErr(t, err)
				assert.True(t, n >= 5, "%s shows %d", r[0], n)
				shown++
			}
		}
		rows[r[0]] = row{parent: r[3], vals: [3]string{r[7], r[8], r[9]}}
	}
	assert.True(t, shown > 0 && suppressed > 0, "nothing shown (%d) or nothing suppressed (%d)", shown, suppressed)
	for code, p := range rows {
		for m := range 3 {
			v, err := strconv.Atoi(p.vals[m])
			if err != nil {
				continue
			}
			rest, hidden := v, 0
			for _, k := range rows {
				if k.parent != code {
					continue
				}
				if n, err := strconv.Atoi(k.vals[m]); err == nil {
					rest -= n
				} else {
					hidden++
				}
			}
			assert.True(t, hidden != 1 || rest < 1 || rest > 4, "%s minus its shown parts gives a group of %d", code, rest)
			assert.True(t, hidden == 0 || rest < 1 || rest >= 5, "the hidden parts of %s add up to %d", code, rest)
		}
	}
	var js struct {
		Units []map[string]any `json:"units"`
	}
	assert.Equal(t, getJSON(t, c, "/open-data/reach.json", &js), http.StatusOK)
	assert.Equal(t, len(js.Units), len(records)-1)
	for _, u := range js.Units {
		for _, k := range []string{"registered", "reached", "graduates"} {
			if n, ok := u[k].(float64); ok {
				assert.True(t, n >= 5, "%v shows %s = %v", u["code"], k, n)
			}
		}
	}
	page := c.Get("/open-data/")
	assert.Equal(t, page.Status, http.StatusOK)
	assert.Contains(t, page.Body, "reach.csv", "&lt;5")
}

// TestOfficeReturns: the monthly return (page and Excel) with subtotals
// and the sign-off block, the weekly summary, and the integrity flags,
// whose names are written to the audit log.
func TestOfficeReturns(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	tinh := staffLogin(t, srv, "tinh", demo.Password)
	page := tinh.Get("/reports/units/86/monthly")
	assert.Equal(t, page.Status, http.StatusOK)
	assert.Contains(t, page.Body, "Cộng Huyện Vũng Liêm", "Cộng Tỉnh Vĩnh Long", "Người lập biểu", "Thủ trưởng đơn vị", "Kỳ báo cáo")
	bad := tinh.Get("/reports/units/86/monthly?month=2025-13")
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, `value="2025-13"`, "Tháng phải ghi theo dạng")
	x := tinh.Get("/reports/units/86/monthly.xlsx?month=2025-05")
	assert.Equal(t, x.Status, http.StatusOK)
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
	assert.NoErr(t, err)
	sheets := f.GetSheetList()
	assert.Equal(t, len(sheets), 1)
	rows, err := f.GetRows(sheets[0])
	assert.NoErr(t, err)
	flat := fmt.Sprint(rows)
	assert.Contains(t, flat, "Cộng Huyện Vũng Liêm", "Người lập biểu", "từ 01/05/2025 đến 31/05/2025")

	week := tinh.Get("/reports/units/86/weekly")
	assert.Equal(t, week.Status, http.StatusOK)
	assert.Contains(t, week.Body, "Tỉnh Vĩnh Long: kết quả học kỹ năng số tuần", "Người học mới:", "Tự kích hoạt VNeID mức 2:")
	assert.Contains(t, week.Body, `<p class="asof" role="note">Số liệu cập nhật lúc `)

	// Two registrations of one person (once without accents) are flagged.
	commune, _ := pilotCommune(t, srv.Store)
	for _, name := range []string{"Trần Văn Zung", "tran van  zung"} {
		l := store.Learner{Name: name, BirthYear: 1960, UnitCode: commune}
		assert.NoErr(t, srv.Store.CreateLearner(ctx, &l))
	}
	flags := tinh.Get("/reports/units/86/flags")
	assert.Equal(t, flags.Status, http.StatusOK)
	assert.Contains(t, flags.Body, "Trần Văn Zung", "tran van  zung", "Danh sách chọn ngẫu nhiên")
	assert.Contains(t, flags.Body, `<p class="asof" role="note">Số liệu cập nhật lúc `)
	again := tinh.Get("/reports/units/86/flags")
	sample := regexp.MustCompile(`(?s)<ol class="sample">.*?</ol>`)
	assert.Equal(t, sample.FindString(again.Body), sample.FindString(flags.Body))
	audit, err := srv.Store.AuditUnder(ctx, "/86/", 10)
	assert.NoErr(t, err)
	assert.True(t, len(audit) >= 2 && audit[0].Action == "report.flags" && audit[0].RowCount >= 2, "flags not audited: %+v", audit)

	// Per trainer: the demo's sessions, learners and ticks, from the
	// counters the class pages keep.
	trainers := tinh.Get("/reports/units/86/trainers")
	assert.Equal(t, trainers.Status, http.StatusOK)
	assert.Contains(t, trainers.Body, "Số liệu cập nhật lúc")
	counts, err := srv.Store.TrainersUnder(ctx, "/86/")
	assert.NoErr(t, err)
	for _, tr := range counts {
		if tr.Username != "gv"+commune {
			continue
		}
		assert.True(t, tr.Sessions > 0 && tr.Learners > 0 && tr.TasksTicked > 0, "the demo trainer's work is not counted: %+v", tr)
		row := regexp.MustCompile(`<tr><td>` + commune + `</td>.*?</tr>`).FindString(trainers.Body)
		assert.Contains(t, row, fmt.Sprintf(">%d<", tr.Sessions), fmt.Sprintf(">%d<", tr.TasksTicked))
	}
}

// TestReportsCountWhatResidentsDo: a resident who registers and passes a
// lesson through the web pages shows up at once in the report of their
// commune, district and province.
func TestReportsCountWhatResidentsDo(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	commune, _ := pilotCommune(t, srv.Store)
	u, err := srv.Store.UnitByCode(ctx, commune)
	assert.NoErr(t, err)
	chain := strings.Split(strings.Trim(u.Path, "/"), "/")
	before, err := srv.Store.UnitCountsOf(ctx, chain)
	assert.NoErr(t, err)
	c, _ := register(t, srv, "Võ Thị Mười Hai")
	m := testutil.Catalog(t).Modules("vi")[0]
	takeQuiz(t, c, m, m.Lessons[0], len(m.Lessons[0].Quiz))
	after, err := srv.Store.UnitCountsOf(ctx, chain)
	assert.NoErr(t, err)
	for _, code := range chain {
		assert.Equal(t, after[code].Registered, before[code].Registered+1)
		assert.Equal(t, after[code].Reached, before[code].Reached+1)
		assert.Equal(t, after[code].Active30d, before[code].Active30d+1)
		assert.Equal(t, after[code].Attempts, before[code].Attempts+1)
	}
	drift, err := srv.Store.CounterDrift(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, len(drift), 0)
}

// TestAdminEditsUnitsAndImportsLists: population and targets are checked
// and kept on error; an import is previewed without writing and applied
// on confirmation; a unit outside the admin's subtree is refused.
func TestAdminEditsUnitsAndImportsLists(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	admin := staffLogin(t, srv, "admin", demo.Password)
	list := admin.Get("/admin/units")
	assert.Equal(t, list.Status, http.StatusOK)
	assert.Contains(t, list.Body, "Huyện Vũng Liêm", "149371 (2019)")
	commune, _ := pilotCommune(t, srv.Store)
	form := admin.Get("/admin/units/" + commune)
	assert.Equal(t, form.Status, http.StatusOK)
	bad := admin.Post("/admin/units/"+commune, url.Values{"population": {"12a"}, "population_working": {"9000"}, "target": {"-3"}, "pilot": {"yes"}})
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, `value="12a"`, `value="9000"`, "Hãy ghi một số nguyên", "Hãy ghi năm của số liệu.", "Hãy ghi nguồn của số liệu.", `aria-invalid="true"`)
	ok := admin.Post("/admin/units/"+commune, url.Values{"population": {"12.345"}, "population_year": {"2024"}, "population_source": {"Số liệu xã, 2024"},
		"population_working": {"8000"}, "population_working_year": {"2024"}, "population_working_source": {"Số liệu xã, 2024"}, "target": {"500"}, "pilot": {"yes"}})
	assert.Equal(t, ok.Status, http.StatusSeeOther)
	u, err := srv.Store.UnitByCode(ctx, commune)
	assert.NoErr(t, err)
	assert.Equal(t, *u.Population, int64(12345))
	assert.Equal(t, *u.PopulationWorking, int64(8000))
	assert.Equal(t, *u.Target, 500)
	report := admin.Get("/reports/units/" + commune)
	assert.Contains(t, report.Body, "Mục tiêu 70% dân số 15–60", "5.600") // 70% of 8000

	csvList := "code,name,level,parent_code\nV-1,Ấp Thử Một,village," + commune + "\nV-2,Ấp Thử Hai,village," + commune + "\n"
	preview := admin.Post("/admin/units/import", url.Values{"csv": {csvList}, "action": {"preview"}})
	assert.Equal(t, preview.Status, http.StatusOK)
	assert.Contains(t, preview.Body, "Ấp Thử Một", "Thêm mới", `name="action" value="confirm"`)
	_, err = srv.Store.UnitByCode(ctx, "V-1")
	assert.ErrIs(t, err, store.ErrNotFound) // the preview wrote nothing
	broken := admin.Post("/admin/units/import", url.Values{"csv": {csvList + "V-3,Ấp Ba,village,NOPE\n"}, "action": {"confirm"}})
	assert.Equal(t, broken.Status, http.StatusUnprocessableEntity)
	// Each bad row is named by its line, in the admin's language.
	assert.Contains(t, broken.Body, "Dòng 4: không tìm thấy đơn vị cấp trên NOPE của V-3")
	assert.NotContains(t, broken.Body, "neither in the file")
	_, err = srv.Store.UnitByCode(ctx, "V-1")
	assert.ErrIs(t, err, store.ErrNotFound) // all or nothing
	done := admin.Post("/admin/units/import", url.Values{"csv": {csvList}, "action": {"confirm"}})
	assert.Equal(t, done.Status, http.StatusSeeOther)
	v, err := srv.Store.UnitByCode(ctx, "V-2")
	assert.NoErr(t, err)
	assert.Equal(t, v.Path, u.Path+"V-2/")
	// The commune's report now drills down to its villages.
	assert.Contains(t, admin.Get("/reports/units/"+commune).Body, "Ấp Thử Hai", "Người học chưa ghi thôn, ấp")

	addUser(t, srv.Store, "qt.vungliem", auth.RoleAdmin, "859")
	dAdmin := staffLogin(t, srv, "qt.vungliem", demo.Password)
	out := dAdmin.Post("/admin/units/import", url.Values{"csv": {"code,name,level,parent_code\nV-9,Ấp Ngoài,village,855\n"}, "action": {"preview"}})
	assert.Equal(t, out.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, out.Body, "Dòng 2: đơn vị V-9 không thuộc")
	assert.Equal(t, dAdmin.Get("/admin/units/855").Status, http.StatusNotFound)
	// In English when the admin reads in English (last: it stays chosen).
	badRows := admin.Post("/admin/units/import?lang=en", url.Values{"csv": {"code,name,level,parent_code\nV 1,Ấp,village," + commune + "\nV-4,Ấp Bốn,hamlet," + commune + "\n"}, "action": {"preview"}})
	assert.Equal(t, badRows.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, badRows.Body, "Line 2: code &#34;V 1&#34; must be 1 to 20 letters or digits.", "Line 3: level &#34;hamlet&#34; must be one of province, district, commune, village.")
}
