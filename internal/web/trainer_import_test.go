package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// importWorld is a trainerWorld whose client posts as a browser does, with
// Sec-Fetch-Site (the multipart upload carries no CSRF token).
func importWorld(t *testing.T) *trainerWorld {
	t.Helper()
	w := newTrainerWorld(t)
	w.c.Header.Set("Sec-Fetch-Site", "same-origin")
	return w
}

// upload posts a file to the import form as a browser does.
func upload(t *testing.T, c *testutil.Client, base, path, name string, data []byte) testutil.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	assert.NoErr(t, err)
	_, _ = fw.Write(data)
	assert.NoErr(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, base+path, &body)
	assert.NoErr(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

var payloadRe = regexp.MustCompile(`name="rows" value="([^"]+)"`)

func learnerCount(t *testing.T, w *trainerWorld) int64 {
	t.Helper()
	n, err := w.srv.Store.CountLearners(context.Background())
	assert.NoErr(t, err)
	return n
}

// TestImportRefusesBadRowsAndWritesNothing: a CSV with bad rows comes back
// (422) with every bad row's line and reason, duplicates within the file
// flagged, and not one learner stored.
func TestImportRefusesBadRowsAndWritesNothing(t *testing.T) {
	t.Parallel()
	w := importWorld(t)
	path := fmt.Sprint("/trainer/classes/", w.class.ID, "/import")
	page := w.c.Get(path)
	assert.Contains(t, page.Body, "Họ và tên", "Năm sinh", "Ấp", "Giới tính", "Số điện thoại", "template.xlsx", "template.csv")
	before := learnerCount(t, w)
	csv := "HỌ VÀ TÊN,nam sinh,Ấp,Giới tính,Số điện thoại\n" +
		"Nguyễn Văn An,1962,Ấp Mỹ Hòa,Nam,0912345678\n" + // line 2: fine
		",1960,,,\n" + // line 3: no name
		"Lê Thị Hai,1890,,Nữ,\n" + // line 4: birth year
		"Trần Ba,1970,,Không rõ,123\n" + // line 5: gender and phone
		"\n" + // blank: skipped
		"nguyen van an,1962,ap my hoa,,\n" // line 7: same person as line 2
	res := upload(t, w.c, w.srv.URL, path, "ds.csv", []byte(csv))
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, res.Body, "4 dòng có lỗi. Chưa lưu gì.",
		`<td class="num">3</td>`, "Họ và tên: Hãy ghi họ và tên.",
		`<td class="num">4</td>`, "Năm sinh: Năm sinh là bốn số",
		`<td class="num">5</td>`, "Giới tính: Hãy chọn một trong các ô giới tính.", "Số điện thoại: Số điện thoại gồm 10 số",
		`<td class="num">7</td>`, "Trùng với dòng 2")
	assert.NotContains(t, res.Body, `name="rows"`)
	assert.Equal(t, learnerCount(t, w), before)

	for _, tc := range []struct{ name, file, want string }{
		{"no header", "Nguyễn Văn An,1962\n", "cần có cột “Họ và tên” và “Năm sinh”"},
		{"not utf-8", "Họ và tên,Năm sinh\n\xc0\xe1,1962\n", "không phải UTF-8"},
		{"empty", "Họ và tên,Năm sinh\n\n", "Tệp không có người nào."},
		{"old xls", "\xd0\xcf\x11\xe0", "Tệp .xls cũ chưa đọc được."},
		{"too many", "Họ và tên,Năm sinh\n" + strings.Repeat("Người Thừa,1960\n", 501), "Tệp có quá 500 người."},
	} {
		name := "ds.csv"
		if tc.name == "old xls" {
			name = "ds.xls"
		}
		res := upload(t, w.c, w.srv.URL, path, name, []byte(tc.file))
		assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
		assert.Contains(t, res.Body, tc.want)
	}
	assert.Equal(t, w.c.Post(path, url.Values{}).Status, http.StatusUnprocessableEntity)
	assert.Equal(t, learnerCount(t, w), before)
}

// TestImportPreviewThenConfirm: a good CSV (semicolons, byte-order mark)
// is previewed without writing anything; the confirmation needs the
// consent box, stores every row in one go with the trainer as the one who
// took consent, and a second confirmation stores nothing more. A tampered
// list is refused.
func TestImportPreviewThenConfirm(t *testing.T) {
	t.Parallel()
	w := importWorld(t)
	ctx := context.Background()
	path := fmt.Sprint("/trainer/classes/", w.class.ID, "/import")
	before := learnerCount(t, w)
	csv := "\ufeffHọ và tên;Năm sinh;Ấp;Giới tính;Số điện thoại\r\n" +
		"Phạm Văn Một;1958;Ấp Một;nam;0912 345 678\r\n" +
		"\"Võ Thị Hai; con\";1961;;Nữ;\r\n" +
		"Đỗ Ba;1975;;;\r\n"
	preview := upload(t, w.c, w.srv.URL, path, "danh sach.csv", []byte(csv))
	assert.Equal(t, preview.Status, http.StatusOK)
	assert.Contains(t, preview.Body, "Cả 3 dòng đều được.", "Võ Thị Hai; con", "Lưu 3 người học")
	assert.Equal(t, learnerCount(t, w), before)
	rows := payloadRe.FindStringSubmatch(preview.Body)[1]

	noConsent := w.c.Post(path, url.Values{"step": {"confirm"}, "rows": {rows}})
	assert.Equal(t, noConsent.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, noConsent.Body, "Hãy xác nhận mọi người đã đồng ý trên giấy.", `name="rows"`)
	tampered := w.c.Post(path, url.Values{"step": {"confirm"}, "rows": {"x" + rows}, "consent": {"yes"}})
	assert.Equal(t, tampered.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, tampered.Body, "Hãy chọn tệp và kiểm tra lại.")
	assert.Equal(t, learnerCount(t, w), before)

	counts, _ := w.srv.Store.DailyCounts(ctx, w.commune.Code)
	done := w.c.Post(path, url.Values{"step": {"confirm"}, "rows": {rows}, "consent": {"yes"}})
	assert.Equal(t, done.Status, http.StatusSeeOther)
	page := w.c.Follow(done)
	assert.Contains(t, page.Body, "Đã thêm các người học vào lớp.", "Phạm Văn Một", "Võ Thị Hai; con", "Đỗ Ba")
	assert.Equal(t, learnerCount(t, w), before+3)
	after, _ := w.srv.Store.DailyCounts(ctx, w.commune.Code)
	assert.Equal(t, sumRegistered(after), sumRegistered(counts)+3)
	learners, err := w.srv.Store.LearnersOfClass(ctx, w.class.ID)
	assert.NoErr(t, err)
	trainer, _ := w.srv.Store.UserByUsername(ctx, "gv"+w.commune.Code)
	for _, l := range learners {
		if l.Name == "Phạm Văn Một" {
			assert.True(t, l.ConsentBy != nil && *l.ConsentBy == trainer.ID && *l.Phone == "0912345678" && *l.Gender == "male" && *l.Village == "Ấp Một", "imported: %+v", l)
		}
	}
	again := w.c.Post(path, url.Values{"step": {"confirm"}, "rows": {rows}, "consent": {"yes"}})
	assert.Equal(t, again.Status, http.StatusSeeOther)
	assert.Contains(t, w.c.Follow(again).Body, "Danh sách này đã được lưu trước đó.")
	assert.Equal(t, learnerCount(t, w), before+3)

	// The same people again: each is flagged as likely already stored,
	// and the import needs the "they are other people" box.
	dup := upload(t, w.c, w.srv.URL, path, "ds.csv", []byte(csv))
	assert.Equal(t, dup.Status, http.StatusOK)
	assert.Contains(t, dup.Body, "Có thể đã có:", `name="anyway"`)
	dupRows := payloadRe.FindStringSubmatch(dup.Body)[1]
	refused := w.c.Post(path, url.Values{"step": {"confirm"}, "rows": {dupRows}, "consent": {"yes"}})
	assert.Equal(t, refused.Status, http.StatusUnprocessableEntity)
	assert.Equal(t, learnerCount(t, w), before+3)

	// A list checked for one class cannot be replayed into another.
	other := w.c.Post(fmt.Sprint("/trainer/classes/", w.class.ID+1, "/import"), url.Values{"step": {"confirm"}, "rows": {rows}, "consent": {"yes"}})
	assert.Equal(t, other.Status, http.StatusUnprocessableEntity)
}

// TestImportXLSX: an Excel file made with excelize is read by its headers
// (any order, accents and case aside), previewed, and stored when
// confirmed; the templates download with the Vietnamese headers.
func TestImportXLSX(t *testing.T) {
	t.Parallel()
	w := importWorld(t)
	path := fmt.Sprint("/trainer/classes/", w.class.ID, "/import")
	x := excelize.NewFile()
	sheet := x.GetSheetName(0)
	for i, row := range [][]any{
		{"Năm sinh", "HO VA TEN", "Ghi chú", "Giới tính"},
		{1959, "Huỳnh Văn Năm", "bỏ qua", "Nam"},
		{},
		{"1964", "Lý Thị Sáu", "", "nữ"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		assert.NoErr(t, x.SetSheetRow(sheet, cell, &row))
	}
	var buf bytes.Buffer
	assert.NoErr(t, x.Write(&buf))
	before := learnerCount(t, w)
	preview := upload(t, w.c, w.srv.URL, path, "danh-sach.xlsx", buf.Bytes())
	assert.Equal(t, preview.Status, http.StatusOK)
	assert.Contains(t, preview.Body, "Cả 2 dòng đều được.", "Huỳnh Văn Năm", "Lý Thị Sáu", `<td class="num">4</td>`)
	assert.Equal(t, learnerCount(t, w), before)
	rows := payloadRe.FindStringSubmatch(preview.Body)[1]
	assert.Equal(t, w.c.Post(path, url.Values{"step": {"confirm"}, "rows": {rows}, "consent": {"yes"}}).Status, http.StatusSeeOther)
	assert.Equal(t, learnerCount(t, w), before+2)

	bad := upload(t, w.c, w.srv.URL, path, "x.xlsx", append([]byte("PK\x03\x04"), "not a zip"...))
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, "Không đọc được tệp Excel này.")

	tpl := w.c.Get(path + "/template.xlsx")
	assert.Equal(t, tpl.Status, http.StatusOK)
	got, err := excelize.OpenReader(strings.NewReader(tpl.Body))
	assert.NoErr(t, err)
	head, err := got.GetRows(got.GetSheetName(0))
	assert.NoErr(t, err)
	assert.Equal(t, strings.Join(head[0], ","), "Họ và tên,Năm sinh,Ấp,Giới tính,Số điện thoại")
	csvTpl := w.c.Get(path + "/template.csv")
	assert.Equal(t, csvTpl.Body, "\ufeffHọ và tên,Năm sinh,Ấp,Giới tính,Số điện thoại\r\n")
}

// TestImportBodyLimit: the upload may be larger than other forms (up to 2
// MB), and only the upload.
func TestImportBodyLimit(t *testing.T) {
	t.Parallel()
	w := importWorld(t)
	path := fmt.Sprint("/trainer/classes/", w.class.ID, "/import")
	big := "Họ và tên,Năm sinh,Ghi chú\n" + "Người Dài,1960," + strings.Repeat("x", 200<<10) + "\n"
	res := upload(t, w.c, w.srv.URL, path, "ds.csv", []byte(big))
	assert.Equal(t, res.Status, http.StatusOK) // 200 KB: over 64 KB, accepted here
	huge := upload(t, w.c, w.srv.URL, path, "ds.csv", bytes.Repeat([]byte("x"), 3<<20))
	assert.Equal(t, huge.Status, http.StatusRequestEntityTooLarge)
	form := w.c.Post(fmt.Sprint("/trainer/classes/", w.class.ID, "/enrol"), url.Values{"name": {strings.Repeat("x", 100<<10)}})
	assert.Equal(t, form.Status, http.StatusRequestEntityTooLarge)
}
