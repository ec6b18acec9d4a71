package web_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// trainerWorld is a demo server with the trainer of a pilot commune signed
// in, and a public base URL so that printed links are absolute.
type trainerWorld struct {
	srv     *testutil.Server
	c       *testutil.Client
	commune store.Unit
	class   store.Class // a demo class of the commune
}

const testBase = "https://kns.example.vn"

func newTrainerWorld(t *testing.T) *trainerWorld {
	t.Helper()
	srv := testutil.NewServer(t, testutil.ServerOptions{Config: config.Config{BaseURL: testBase}})
	code, class := pilotCommune(t, srv.Store)
	commune, err := srv.Store.UnitByCode(context.Background(), code)
	assert.NoErr(t, err)
	return &trainerWorld{srv: srv, c: staffLogin(t, srv, "gv"+code, demo.Password), commune: commune, class: class}
}

var classIDRe = regexp.MustCompile(`^/trainer/classes/(\d+)$`)

// TestClassFormsKeepInputAndSave: a class with a missing name or dates the
// wrong way round comes back (422) with what was typed and a message by
// each field; a good one (Vietnamese dates) is saved and opens; edits and
// archiving work, and an archived class's code takes nobody in.
func TestClassFormsKeepInputAndSave(t *testing.T) {
	t.Parallel()
	w := newTrainerWorld(t)
	c := w.c
	assert.Equal(t, c.Get("/trainer/classes/new").Status, http.StatusOK)
	bad := c.Post("/trainer/classes/new", url.Values{"name": {" "}, "place": {"Nhà văn hóa ấp 3"}, "starts_on": {"30/04/2026"}, "ends_on": {"2/3/2026"}, "schedule": {"Tối thứ Ba"}})
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, "Hãy ghi tên lớp.", "Ngày kết thúc phải sau ngày bắt đầu.", `value="Nhà văn hóa ấp 3"`,
		`value="2026-04-30"`, `value="2026-03-02"`, `value="Tối thứ Ba"`, `id="ends_on-err"`, `aria-invalid="true"`)
	wrong := c.Post("/trainer/classes/new", url.Values{"name": {"Lớp thử"}, "starts_on": {"31/02/2026"}})
	assert.Equal(t, wrong.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, wrong.Body, "Ngày không đúng.", `value="31/02/2026"`)

	res := c.Post("/trainer/classes/new", url.Values{"name": {"Lớp tối ấp Mỹ Hòa"}, "place": {"Nhà văn hóa ấp 3"}, "starts_on": {"02/03/2026"}, "ends_on": {"2026-04-30"}, "schedule": {"Tối thứ Ba và thứ Năm"}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	m := classIDRe.FindStringSubmatch(res.Header.Get("Location"))
	assert.True(t, m != nil, "created class leads to %q", res.Header.Get("Location"))
	page := c.Follow(res)
	assert.Contains(t, page.Body, "Đã mở lớp.", "Lớp tối ấp Mỹ Hòa", "02/03/2026 – 30/04/2026", "Tối thứ Ba và thứ Năm", w.commune.Name,
		"/sessions", "/grid", "/analysis", "/export.csv", "/export.xlsx", "/enrol", "/import", "/cards", "/poster", "/code", "/edit")
	id, _ := strconv.ParseInt(m[1], 10, 64)
	class, err := w.srv.Store.ClassByID(context.Background(), id)
	assert.NoErr(t, err)
	assert.Equal(t, class.UnitCode, w.commune.Code)
	assert.Contains(t, page.Body, testBase+"/join/"+class.JoinCode)

	path := m[0]
	edit := c.Get(path + "/edit")
	assert.Contains(t, edit.Body, `value="2026-03-02"`, `value="Lớp tối ấp Mỹ Hòa"`)
	assert.Equal(t, c.Post(path+"/edit", url.Values{"name": {""}}).Status, http.StatusUnprocessableEntity)
	saved := c.PostFollow(path+"/edit", url.Values{"name": {"Lớp sáng"}, "ends_on": {"01/05/2026"}})
	assert.Contains(t, saved.Body, "Đã lưu thông tin lớp.", "Lớp sáng", "01/05/2026")
	assert.NotContains(t, saved.Body, "Nhà văn hóa ấp 3") // cleared

	resident := w.srv.Client()
	assert.Equal(t, resident.Get("/join/"+class.JoinCode).Status, http.StatusOK)
	assert.Equal(t, c.Post(path+"/archive", url.Values{}).Status, http.StatusUnprocessableEntity)
	list := c.PostFollow(path+"/archive", url.Values{"archive": {"yes"}})
	assert.Contains(t, list.Body, "Đã cất lớp.", `<details class="archived">`, "1 lớp đã cất")
	assert.Equal(t, resident.Get("/join/"+class.JoinCode).Status, http.StatusNotFound)
	back := c.PostFollow(path+"/archive", url.Values{"archive": {"no"}})
	assert.Contains(t, back.Body, "Đã mở lại lớp.")
	assert.Equal(t, resident.Get("/join/"+class.JoinCode).Status, http.StatusOK)
}

// TestRotateJoinCodeAsksFirst: the new code is drawn only after the
// trainer confirms; then the old code leads nowhere and the new one works.
func TestRotateJoinCodeAsksFirst(t *testing.T) {
	t.Parallel()
	w := newTrainerWorld(t)
	path := fmt.Sprint("/trainer/classes/", w.class.ID)
	ask := w.c.Get(path + "/code")
	assert.Contains(t, ask.Body, w.class.JoinCode, "mã cũ và áp phích đã in sẽ không dùng được nữa", `name="confirm" value="yes"`)
	assert.Equal(t, w.c.Post(path+"/code", url.Values{}).Status, http.StatusUnprocessableEntity)
	same, _ := w.srv.Store.ClassByID(context.Background(), w.class.ID)
	assert.Equal(t, same.JoinCode, w.class.JoinCode)
	done := w.c.PostFollow(path+"/code", url.Values{"confirm": {"yes"}})
	assert.Contains(t, done.Body, "Đã đổi mã lớp.")
	now, _ := w.srv.Store.ClassByID(context.Background(), w.class.ID)
	assert.True(t, now.JoinCode != w.class.JoinCode, "the code did not change")
	r := w.srv.Client()
	assert.Equal(t, r.Get("/join/"+w.class.JoinCode).Status, http.StatusNotFound)
	assert.Equal(t, r.Get("/join/"+now.JoinCode).Status, http.StatusOK)
}

var (
	svgRe    = regexp.MustCompile(`<svg[^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>.*?</svg>`)
	moduleRe = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)
)

// decodeQRs reads every QR code drawn inline in a page: it draws each
// SVG's modules on a white bitmap (4 pixels a module, as printed) and
// decodes it with an independent reader (gozxing, a port of ZXing, which
// phone scanners are built on). A code without its white margin, or with
// the wrong colours, does not decode.
func decodeQRs(t *testing.T, html string) []string {
	t.Helper()
	var out []string
	for _, m := range svgRe.FindAllStringSubmatch(html, -1) {
		svg := m[0]
		assert.Contains(t, svg, `fill="#fff"`, `fill="#000"`)
		size, _ := strconv.Atoi(m[1])
		const px = 4
		img := image.NewGray(image.Rect(0, 0, size*px, size*px))
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
		minXY := size
		for _, mod := range moduleRe.FindAllStringSubmatch(svg, -1) {
			x, _ := strconv.Atoi(mod[1])
			y, _ := strconv.Atoi(mod[2])
			minXY = min(minXY, x, y)
			for dy := range px {
				for dx := range px {
					img.SetGray(x*px+dx, y*px+dy, color.Gray{})
				}
			}
		}
		assert.True(t, minXY >= 4, "QR code has a quiet zone of %d modules, want 4", minXY)
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		assert.NoErr(t, err)
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
		if err != nil {
			t.Fatalf("QR code does not decode: %v", err)
		}
		out = append(out, res.GetText())
	}
	return out
}

// TestPosterQRCodeScansToTheAbsoluteJoinAddress: the poster shows the
// class, its commune and code, and a QR code that decodes to the absolute
// join address (--base-url), at least 5 cm wide when printed.
func TestPosterQRCodeScansToTheAbsoluteJoinAddress(t *testing.T) {
	t.Parallel()
	w := newTrainerWorld(t)
	res := w.c.Get(fmt.Sprint("/trainer/classes/", w.class.ID, "/poster"))
	assert.Equal(t, res.Status, http.StatusOK)
	assert.Contains(t, res.Body, w.class.Name, w.commune.Name, `<p class="poster-code">`+w.class.JoinCode+`</p>`, "Mở camera điện thoại", testBase+"/join")
	got := decodeQRs(t, res.Body)
	assert.Equal(t, len(got), 1)
	assert.Equal(t, got[0], testBase+"/join/"+w.class.JoinCode)
	css := w.srv.Client().Get(regexp.MustCompile(`href="(/static/[^"]+app\.css)"`).FindStringSubmatch(res.Body)[1]).Body
	assert.Contains(t, css, ".poster-qr svg{width:10cm;height:10cm}", ".lcard-qr svg{width:3cm;height:3cm}")
}

// TestEnrolOnBehalf: the enrolment form checks what the sign-up checks and
// keeps the input; a saved learner is counted as a registration, carries
// the trainer as the one who took consent on paper, and their code and
// card are shown. A likely duplicate (same name, accents and case aside,
// birth year and village) is pointed out before it is saved.
func TestEnrolOnBehalf(t *testing.T) {
	t.Parallel()
	w := newTrainerWorld(t)
	ctx := context.Background()
	path := fmt.Sprint("/trainer/classes/", w.class.ID, "/enrol")
	form := w.c.Get(path)
	assert.Contains(t, form.Body, "Người học đã đồng ý trên giấy")
	bad := w.c.Post(path, url.Values{"name": {"Trần Văn Bảy"}, "birth_year": {"1890"}, "phone": {"12345"}, "village": {"Ấp Cầu Đôi"}, "_form": {formNonce.FindStringSubmatch(form.Body)[1]}})
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, "Năm sinh là bốn số", "Số điện thoại gồm 10 số", "Hãy đánh dấu ô đồng ý", `value="Trần Văn Bảy"`, `value="Ấp Cầu Đôi"`, `value="12345"`)

	before, _ := w.srv.Store.DailyCounts(ctx, w.commune.Code)
	good := url.Values{"name": {"Trần Văn Bảy"}, "birth_year": {"1950"}, "village": {"Ấp Cầu Đôi"}, "gender": {"male"}, "consent": {"yes"}, "_form": {formNonce.FindStringSubmatch(bad.Body)[1]}}
	res := w.c.Post(path, good)
	assert.Equal(t, res.Status, http.StatusSeeOther)
	again := w.c.Post(path, good) // a double tap saves one learner
	assert.Equal(t, again.Header.Get("Location"), res.Header.Get("Location"))
	page := w.c.Follow(res)
	assert.Contains(t, page.Body, "Đã thêm Trần Văn Bảy", "/cards?learner=")
	m := codeRe.FindStringSubmatch(page.Body)
	assert.True(t, m != nil, "no personal code shown")
	l, err := w.srv.Store.LearnerByCode(ctx, m[1]+m[2])
	assert.NoErr(t, err)
	trainer, _ := w.srv.Store.UserByUsername(ctx, "gv"+w.commune.Code)
	assert.True(t, l.ConsentBy != nil && *l.ConsentBy == trainer.ID, "consent_by = %v", l.ConsentBy)
	assert.True(t, l.ClassID != nil && *l.ClassID == w.class.ID && l.UnitCode == w.commune.Code, "learner %+v", l)
	after, _ := w.srv.Store.DailyCounts(ctx, w.commune.Code)
	assert.Equal(t, sumRegistered(after), sumRegistered(before)+1)

	twin := url.Values{"name": {"tran van bay"}, "birth_year": {"1950"}, "village": {"ấp cầu đôi"}, "consent": {"yes"}}
	warn := w.c.Post(path, twin)
	assert.Equal(t, warn.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, warn.Body, "Có thể người này đã có trong danh sách", "Trần Văn Bảy, 1950", `name="anyway"`, `value="tran van bay"`)
	otherVillage := w.c.Post(path, url.Values{"name": {"tran van bay"}, "birth_year": {"1950"}, "village": {"Ấp Khác"}, "consent": {"yes"}})
	assert.Equal(t, otherVillage.Status, http.StatusSeeOther)
	twin.Set("anyway", "yes")
	assert.Equal(t, w.c.Post(path, twin).Status, http.StatusSeeOther)
	final, _ := w.srv.Store.DailyCounts(ctx, w.commune.Code)
	assert.Equal(t, sumRegistered(final), sumRegistered(before)+3)
}

func sumRegistered(list []store.DailyCount) int {
	n := 0
	for _, d := range list {
		n += d.Registered
	}
	return n
}

// TestLearnerCardsEightPerPage: a class of 9 learners prints on two A4
// sheets (8 + 1); each card's QR code opens /resume with that learner's
// code; printing is written to the audit log; a learner of another class
// is not found. /resume fills in a valid code and never echoes another.
func TestLearnerCardsEightPerPage(t *testing.T) {
	t.Parallel()
	w := newTrainerWorld(t)
	ctx := context.Background()
	class := store.Class{UnitCode: w.commune.Code, Name: "Lớp in thẻ"}
	assert.NoErr(t, w.srv.Store.CreateClass(ctx, &class))
	var codes []string
	for i := range 9 {
		l := store.Learner{Name: fmt.Sprint("Người Thẻ ", i+1), BirthYear: 1960, UnitCode: w.commune.Code, ClassID: &class.ID}
		assert.NoErr(t, w.srv.Store.CreateLearner(ctx, &l))
		codes = append(codes, l.Code)
	}
	path := fmt.Sprint("/trainer/classes/", class.ID, "/cards")
	res := w.c.Get(path)
	assert.Equal(t, res.Status, http.StatusOK)
	sheets := strings.Split(res.Body, `<div class="sheet">`)[1:]
	assert.Equal(t, len(sheets), 2)
	assert.Equal(t, strings.Count(sheets[0], `<div class="lcard">`), 8)
	assert.Equal(t, strings.Count(sheets[1], `<div class="lcard">`), 1)
	assert.Contains(t, res.Body, "Mã PIN: ____", "Người Thẻ 9")
	got := decodeQRs(t, res.Body)
	assert.Equal(t, len(got), 9)
	want := map[string]bool{}
	for _, c := range codes {
		want[testBase+"/resume?code="+c] = true
	}
	for _, g := range got {
		assert.True(t, want[g], "card QR leads to %q", g)
	}
	audit, err := w.srv.Store.AuditUnder(ctx, "/", 5)
	assert.NoErr(t, err)
	assert.True(t, len(audit) > 0 && audit[0].Action == "print.learner_cards" && audit[0].RowCount == 9 && audit[0].Target == fmt.Sprint("class:", class.ID), "audit: %+v", audit)

	one := w.c.Get(fmt.Sprintf("%s?learner=%d", path, mustLearner(t, w.srv.Store, codes[3]).ID))
	assert.Equal(t, strings.Count(one.Body, `<div class="lcard">`), 1)
	assert.Contains(t, one.Body, "Người Thẻ 4")
	other := store.Learner{Name: "Người Lớp Khác", BirthYear: 1960, UnitCode: w.commune.Code, ClassID: &w.class.ID}
	assert.NoErr(t, w.srv.Store.CreateLearner(ctx, &other))
	assert.Equal(t, w.c.Get(fmt.Sprintf("%s?learner=%d", path, other.ID)).Status, http.StatusNotFound)
	assert.Equal(t, w.c.Get(path+"?learner=x").Status, http.StatusNotFound)

	r := w.srv.Client()
	filled := r.Get("/resume?code=" + strings.ToLower(codes[0][:3]+"-"+codes[0][3:]))
	assert.Contains(t, filled.Body, `value="`+codes[0]+`"`)
	for _, junk := range []string{"<script>", "ABC", strings.Repeat("Z", 40)} {
		page := r.Get("/resume?code=" + url.QueryEscape(junk))
		assert.Equal(t, page.Status, http.StatusOK)
		assert.Contains(t, page.Body, `id="code" name="code" type="text" value=""`)
	}
}

func mustLearner(t *testing.T, st *store.Store, code string) store.Learner {
	t.Helper()
	l, err := st.LearnerByCode(context.Background(), code)
	assert.NoErr(t, err)
	return l
}

// TestVillagesOnTheSignUpForms: a trainer keeps the commune's villages;
// the join form then offers them, a chosen village is stored as its unit,
// a typed one that names a village too, any other typed name as text; the
// free-text names can then be matched to a village, and a village in use
// cannot be removed.
func TestVillagesOnTheSignUpForms(t *testing.T) {
	t.Parallel()
	w := newTrainerWorld(t)
	ctx := context.Background()
	empty := w.c.PostFollow("/trainer/villages", url.Values{"name": {"Ấp Mỹ Hòa"}})
	assert.Contains(t, empty.Body, "Đã thêm ấp.", "Ấp Mỹ Hòa")
	w.c.PostFollow("/trainer/villages", url.Values{"name": {"Ấp Cầu Đôi"}})
	taken := w.c.Post("/trainer/villages", url.Values{"name": {"ap my hoa"}})
	assert.Equal(t, taken.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, taken.Body, "Xã đã có ấp tên này.", `value="ap my hoa"`)
	villages, err := w.srv.Store.Villages(ctx, w.commune.Code)
	assert.NoErr(t, err)
	assert.Equal(t, len(villages), 2)
	cauDoi, myHoa := villages[0], villages[1]

	// Someone typed a village before the list existed.
	old := store.Learner{Name: "Người Cũ", BirthYear: 1955, UnitCode: w.commune.Code, Village: ptr("ap cau doi cu")}
	assert.NoErr(t, w.srv.Store.CreateLearner(ctx, &old))

	join := func(name string, extra url.Values) store.Learner {
		r := w.srv.Client()
		page := r.Get("/join/" + w.class.JoinCode)
		assert.Contains(t, page.Body, `<select id="village_code" name="village_code"`, ">Ấp Mỹ Hòa</option>", `value="other"`)
		form := url.Values{"name": {name}, "birth_year": {"1962"}, "consent": {"yes"}, "_form": {formNonce.FindStringSubmatch(page.Body)[1]}}
		for k, v := range extra {
			form[k] = v
		}
		res := r.PostFollow("/join/"+w.class.JoinCode, form)
		m := codeRe.FindStringSubmatch(res.Body)
		assert.True(t, m != nil, "no code after joining:\n%.1500s", res.Body)
		return mustLearner(t, w.srv.Store, m[1]+m[2])
	}
	chosen := join("Người Chọn", url.Values{"village_code": {myHoa.Code}, "village": {"bỏ qua"}})
	assert.True(t, chosen.VillageCode != nil && *chosen.VillageCode == myHoa.Code && chosen.Village == nil, "chosen: %+v", chosen)
	typed := join("Người Gõ", url.Values{"village_code": {"other"}, "village": {"cầu đôi"}})
	assert.True(t, typed.VillageCode != nil && *typed.VillageCode == cauDoi.Code, "typed: %+v", typed)
	other := join("Người Khác", url.Values{"village_code": {"other"}, "village": {"Ấp Rạch Sâu"}})
	assert.True(t, other.VillageCode == nil && other.Village != nil && *other.Village == "Ấp Rạch Sâu", "other: %+v", other)

	r := w.srv.Client()
	page := r.Get("/join/" + w.class.JoinCode)
	wrong := r.Post("/join/"+w.class.JoinCode, url.Values{"name": {"Người Sai"}, "birth_year": {"1962"}, "consent": {"yes"}, "village_code": {"99999-1"}, "_form": {formNonce.FindStringSubmatch(page.Body)[1]}})
	assert.Equal(t, wrong.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, wrong.Body, "Hãy chọn một ấp trong danh sách", `value="Người Sai"`)
	// /register offers the list once the commune is known (the form came back).
	reg := r.Post("/register", url.Values{"name": {""}, "commune": {w.commune.Code}})
	assert.Contains(t, reg.Body, ">Ấp Cầu Đôi</option>")

	list := w.c.Get("/trainer/villages")
	assert.Contains(t, list.Body, "ap cau doi cu", "Ấp Rạch Sâu", `action="/trainer/villages/match"`)
	matched := w.c.PostFollow("/trainer/villages/match", url.Values{"commune": {w.commune.Code}, "text": {"ap cau doi cu"}, "village": {cauDoi.Code}})
	assert.Contains(t, matched.Body, "Đã ghép tên ấp.")
	assert.NotContains(t, matched.Body, "ap cau doi cu")
	moved := mustLearner(t, w.srv.Store, old.Code)
	assert.True(t, moved.VillageCode != nil && *moved.VillageCode == cauDoi.Code && moved.Village == nil, "moved: %+v", moved)

	inUse := w.c.Post("/trainer/villages/"+myHoa.Code, url.Values{"action": {"delete"}})
	assert.Equal(t, inUse.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, inUse.Body, "Ấp này còn người học")
	renamed := w.c.PostFollow("/trainer/villages/"+myHoa.Code, url.Values{"action": {"rename"}, "name": {"Ấp Mỹ Hòa A"}})
	assert.Contains(t, renamed.Body, "Đã đổi tên ấp.", "Ấp Mỹ Hòa A")
	spare := w.c.PostFollow("/trainer/villages", url.Values{"name": {"Ấp Thừa"}})
	assert.Contains(t, spare.Body, "Ấp Thừa")
	villages, _ = w.srv.Store.Villages(ctx, w.commune.Code)
	for _, v := range villages {
		if v.Name == "Ấp Thừa" {
			assert.Contains(t, w.c.PostFollow("/trainer/villages/"+v.Code, url.Values{"action": {"delete"}}).Body, "Đã xóa ấp.")
		}
	}
	// Another commune's trainer sees none of it.
	outsider := staffLogin(t, w.srv, otherTrainer(t, w), demo.Password)
	assert.Equal(t, outsider.Post("/trainer/villages/"+cauDoi.Code, url.Values{"action": {"rename"}, "name": {"x"}}).Status, http.StatusNotFound)
	assert.Equal(t, outsider.Post("/trainer/villages/match", url.Values{"commune": {w.commune.Code}, "text": {"Ấp Rạch Sâu"}, "village": {cauDoi.Code}}).Status, http.StatusUnprocessableEntity)
	assert.NotContains(t, outsider.Get("/trainer/villages").Body, "Ấp Rạch Sâu", "Cầu Đôi")
}

func ptr[T any](v T) *T { return &v }

// otherTrainer names the trainer of another pilot commune.
func otherTrainer(t *testing.T, w *trainerWorld) string {
	t.Helper()
	communes, err := w.srv.Store.UnitsByLevel(context.Background(), "commune")
	assert.NoErr(t, err)
	for _, c := range communes {
		if c.Pilot && c.Code != w.commune.Code {
			return "gv" + c.Code
		}
	}
	t.Fatal("one pilot commune only")
	return ""
}
