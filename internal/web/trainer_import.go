package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// A trainer adds a whole list of residents from a CSV or XLSX file (the
// list a commune already keeps in Excel). Every row goes through the same
// checks as a sign-up; the preview shows each row with its problems and
// writes nothing; the confirmed import stores every row or none.
//
// Between the preview and the confirmation the checked rows travel in the
// confirmation form itself: gzipped JSON, signed with the server's cookie
// key and bound to the class, the trainer and a deadline. So the server
// keeps no state for an import that is never confirmed (nothing to clean
// up, no table to fill), the trainer does not pick the file again, and a
// tampered or replayed list is refused. The rows are checked once more at
// confirmation, since villages or learners may have changed meanwhile.

const (
	importRoute = "/trainer/classes/:class/import"
	// maxImportBody is the body limit of the upload, instead of the 64 KB
	// of every other form: 500 rows of XLSX take about 30 KB, a CSV less.
	maxImportBody = "2M"
	maxImportRows = 500
	importTTL     = 2 * time.Hour
)

// importColumn is one column the file may have: the field it fills and the
// headers that name it (compared with fold: accents and case aside).
type importColumn struct {
	Field   string
	Headers []string
}

// importColumns are the columns of an import file, in the template's
// order. Name and birth year are required.
func importColumns() []importColumn {
	return []importColumn{
		{"name", []string{"Họ và tên", "Họ tên", "Tên", "Họ và tên học viên"}},
		{"birth_year", []string{"Năm sinh"}},
		{"village", []string{"Ấp", "Thôn", "Ấp, thôn", "Ấp/thôn", "Ấp/Khóm", "Khóm"}},
		{"gender", []string{"Giới tính", "Giới"}},
		{"phone", []string{"Số điện thoại", "Điện thoại", "SĐT", "SDT"}},
	}
}

// importProblem is one thing wrong with a row: the column (field) and
// the message.
type importProblem struct {
	Field string // "" for the row as a whole
	Msg   validate.Msg
}

// importRow is one row of the file as the preview shows it.
type importRow struct {
	Line     int
	In       applicant // as read (cleaned)
	Learner  store.Learner
	Problems []importProblem
	Existing []store.Learner // likely the same person, already stored
}

// importFileError is a problem with the whole file.
type importFileError struct{ validate.Msg }

func (e importFileError) Error() string { return e.ID }

func fileErr(id string, args ...any) error {
	return importFileError{validate.Msg{ID: id, Args: args}}
}

type importPage struct {
	classPage
	Form      validate.Form // the file's problems ("file") and the confirmation's
	Columns   []importColumn
	Rows      []importRow
	Bad       int // rows with problems
	Dups      int // rows with a likely duplicate already stored
	Payload   string
	Confirmed bool // the confirmation ticks, shown back
	MaxRows   int
}

func (s *Server) renderImport(c echo.Context, status int, p importPage) error {
	p.Columns, p.MaxRows = importColumns(), maxImportRows
	return s.render(c, status, "trainer_import", p)
}

// importShow explains the file and offers the upload.
func (s *Server) importShow(c echo.Context) error {
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	return s.renderImport(c, http.StatusOK, importPage{classPage: p})
}

// importPost previews an uploaded file or, with step=confirm, stores the
// rows the preview signed.
func (s *Server) importPost(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	page := importPage{classPage: p}
	if c.FormValue("step") == "confirm" {
		return s.importConfirm(c, page)
	}
	fh, err := c.FormFile("file")
	if err != nil {
		page.Form.Check(false, "file", "import.error_no_file")
		return s.renderImport(c, http.StatusUnprocessableEntity, page)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return err
	}
	rows, err := readImportFile(fh.Filename, data)
	var fe importFileError
	if errors.As(err, &fe) {
		page.Form.Check(false, "file", fe.ID, fe.Args...)
		return s.renderImport(c, http.StatusUnprocessableEntity, page)
	}
	if err != nil {
		return err
	}
	if err := s.checkImport(ctx, &page, rows); err != nil {
		return err
	}
	if page.Bad > 0 {
		return s.renderImport(c, http.StatusUnprocessableEntity, page)
	}
	page.Payload = s.signImport(importPayload{Class: p.Class.ID, User: currentStaff(c).UserID, Batch: newNonce(),
		Expires: time.Now().Add(importTTL).Unix(), Rows: page.Rows})
	return s.renderImport(c, http.StatusOK, page)
}

// importConfirm stores the signed rows in one transaction, once the
// trainer has confirmed that the residents gave their consent on paper
// (and, when some look like learners already stored, that they are new).
func (s *Server) importConfirm(c echo.Context, page importPage) error {
	ctx := c.Request().Context()
	staff := currentStaff(c)
	pl, ok := s.openImport(c.FormValue("rows"))
	if !ok || pl.Class != page.Class.ID || pl.User != staff.UserID || time.Now().Unix() > pl.Expires {
		page.Form.Check(false, "file", "import.error_expired")
		return s.renderImport(c, http.StatusUnprocessableEntity, page)
	}
	if err := s.checkImport(ctx, &page, pl.Rows); err != nil {
		return err
	}
	keys := map[string]bool{}
	for i := range page.Rows {
		keys[staffSubmissionKey(pl.Batch+"."+strconv.Itoa(i), staff)] = true
	}
	for _, r := range page.Rows {
		for _, e := range r.Existing {
			if e.Submission != nil && keys[*e.Submission] { // this list, confirmed before
				s.flash(c, "flash.import.already")
				return c.Redirect(http.StatusSeeOther, classPath(page.Class.ID))
			}
		}
	}
	page.Form.Check(c.FormValue("consent") == "yes", "consent", "import.error_consent")
	if page.Dups > 0 {
		page.Form.Check(c.FormValue("anyway") == "yes", "anyway", "import.error_anyway")
	}
	if page.Bad > 0 || !page.Form.Valid() {
		if page.Bad == 0 {
			page.Payload = c.FormValue("rows")
		}
		return s.renderImport(c, http.StatusUnprocessableEntity, page)
	}
	list := make([]*store.Learner, len(page.Rows))
	for i := range page.Rows {
		l := page.Rows[i].Learner
		l.ClassID, l.ConsentBy = &page.Class.ID, &staff.UserID
		key := staffSubmissionKey(pl.Batch+"."+strconv.Itoa(i), staff)
		l.Submission = &key
		list[i] = &l
	}
	err := s.store.CreateLearners(ctx, list)
	if errors.Is(err, store.ErrDuplicateSubmission) {
		s.flash(c, "flash.import.already")
		return c.Redirect(http.StatusSeeOther, classPath(page.Class.ID))
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.import.done")
	return c.Redirect(http.StatusSeeOther, classPath(page.Class.ID))
}

// checkImport runs every row through the sign-up checks (checkApplicant)
// and flags rows that repeat an earlier row of the file (an error) or
// look like a learner already in the commune (a warning to confirm).
func (s *Server) checkImport(ctx context.Context, page *importPage, rows []importRow) error {
	villages, err := s.villageUnits(ctx, page.Class.UnitCode)
	if err != nil {
		return err
	}
	first := map[string]int{} // dupKey → line
	learners := make([]store.Learner, 0, len(rows))
	page.Rows, page.Bad, page.Dups = rows, 0, 0
	for i := range page.Rows {
		r := &page.Rows[i]
		var f validate.Form
		r.Problems, r.Existing = nil, nil
		r.Learner = checkApplicant(&f, &r.In, villages)
		r.Learner.UnitCode = page.Class.UnitCode
		for _, col := range []string{"name", "birth_year", "village", "village_code", "gender", "phone"} {
			if m := f.Err(col); m != nil {
				r.Problems = append(r.Problems, importProblem{Field: col, Msg: *m})
			}
		}
		if f.Valid() {
			k := dupKey(r.Learner)
			if line, ok := first[k]; ok {
				r.Problems = append(r.Problems, importProblem{Msg: validate.Msg{ID: "import.error_same_as_line", Args: []any{"Line", line}}})
			} else {
				first[k] = r.Line
			}
		}
		learners = append(learners, r.Learner)
	}
	dups, err := s.likelyDuplicates(ctx, learners)
	if err != nil {
		return err
	}
	for i := range page.Rows {
		r := &page.Rows[i]
		if len(r.Problems) > 0 {
			page.Bad++
			continue
		}
		if r.Existing = dups[i]; len(r.Existing) > 0 {
			page.Dups++
		}
	}
	return nil
}

// readImportFile reads the rows of a CSV or XLSX file: a header row naming
// the columns, then one resident per row. Blank rows are skipped; line
// numbers are those a spreadsheet shows.
func readImportFile(name string, data []byte) ([]importRow, error) {
	var records [][]string
	var lines []int
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 32 << 20, UnzipXMLSizeLimit: 16 << 20})
		if err != nil {
			return nil, fileErr("import.error_xlsx")
		}
		defer x.Close()
		sheets := x.GetSheetList()
		if len(sheets) == 0 {
			return nil, fileErr("import.error_empty")
		}
		rows, err := x.GetRows(sheets[0])
		if err != nil {
			return nil, fileErr("import.error_xlsx")
		}
		for i, r := range rows {
			records, lines = append(records, r), append(lines, i+1)
		}
	case strings.EqualFold(path.Ext(name), ".xls"):
		return nil, fileErr("import.error_xls")
	default:
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(data) {
			return nil, fileErr("import.error_encoding")
		}
		first, _, _ := strings.Cut(string(data), "\n")
		cr := csv.NewReader(bytes.NewReader(data))
		if strings.Count(first, ";") > strings.Count(first, ",") {
			cr.Comma = ';'
		}
		cr.FieldsPerRecord = -1
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fileErr("import.error_csv", "Line", pe.Line)
			}
			if err != nil {
				return nil, err
			}
			line, _ := cr.FieldPos(0)
			records, lines = append(records, rec), append(lines, line)
		}
	}
	return importRecords(records, lines)
}

// importRecords turns the records of a file into rows, by the header row.
func importRecords(records [][]string, lines []int) ([]importRow, error) {
	blank := func(rec []string) bool {
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				return false
			}
		}
		return true
	}
	h := 0
	for h < len(records) && blank(records[h]) {
		h++
	}
	if h == len(records) {
		return nil, fileErr("import.error_empty")
	}
	index := map[string]int{} // field → column
	for i, head := range records[h] {
		k := fold(head)
		for _, col := range importColumns() {
			for _, name := range col.Headers {
				if k != "" && k == fold(name) {
					if _, dup := index[col.Field]; dup {
						return nil, fileErr("import.error_header_twice", "Header", head)
					}
					index[col.Field] = i
				}
			}
		}
	}
	for _, need := range []string{"name", "birth_year"} {
		if _, ok := index[need]; !ok {
			return nil, fileErr("import.error_header_missing")
		}
	}
	var out []importRow
	for j := h + 1; j < len(records); j++ {
		rec := records[j]
		if blank(rec) {
			continue
		}
		if len(out) == maxImportRows {
			return nil, fileErr("import.error_too_many", "Max", maxImportRows)
		}
		cell := func(field string) string {
			if i, ok := index[field]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		out = append(out, importRow{Line: lines[j], In: applicant{Name: cell("name"), BirthYear: cell("birth_year"),
			Village: cell("village"), Gender: importGender(cell("gender")), Phone: cell("phone")}})
	}
	if len(out) == 0 {
		return nil, fileErr("import.error_empty")
	}
	return out, nil
}

// importGender reads the gender as a list writes it ("Nữ", "nam", "Khác");
// anything else is passed on for the sign-up check to refuse.
func importGender(s string) string {
	switch fold(s) {
	case "":
		return ""
	case "nu", "female", "f":
		return "female"
	case "nam", "male", "m":
		return "male"
	case "khac", "other":
		return "other"
	}
	return s
}

// importPayload is what the confirmation form carries between preview and
// confirmation.
type importPayload struct {
	Class   int64       `json:"c"`
	User    int64       `json:"u"`
	Batch   string      `json:"b"` // with the row number, each learner's submission key
	Expires int64       `json:"e"`
	Rows    []importRow `json:"-"`
	Lines   []payloadRow
}

type payloadRow struct {
	Line                                                 int
	Name, BirthYear, Village, VillageCode, Gender, Phone string
}

func (s *Server) importMAC(data string) string {
	m := hmac.New(sha256.New, s.cookieKey)
	m.Write([]byte("import\x00" + data))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signImport packs the checked rows (as cleaned, so the same checks give
// the same result) into a signed string for a hidden field.
func (s *Server) signImport(p importPayload) string {
	for _, r := range p.Rows {
		a := r.In
		p.Lines = append(p.Lines, payloadRow{r.Line, a.Name, a.BirthYear, a.Village, a.VillageCode, a.Gender, a.Phone})
	}
	raw, _ := json.Marshal(p) // plain strings and numbers: cannot fail
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	data := base64.RawURLEncoding.EncodeToString(buf.Bytes())
	return data + "." + s.importMAC(data)
}

// openImport checks the signature of a payload and unpacks it.
func (s *Server) openImport(v string) (importPayload, bool) {
	var p importPayload
	data, mac, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.importMAC(data))) {
		return p, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return p, false
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return p, false
	}
	plain, err := io.ReadAll(io.LimitReader(zr, 4<<20))
	if err != nil || json.Unmarshal(plain, &p) != nil {
		return p, false
	}
	for _, r := range p.Lines {
		p.Rows = append(p.Rows, importRow{Line: r.Line, In: applicant{Name: r.Name, BirthYear: r.BirthYear, Village: r.Village,
			VillageCode: r.VillageCode, Gender: r.Gender, Phone: r.Phone}})
	}
	return p, true
}

// importTemplate sends an empty list with the column headers, as CSV
// (UTF-8 with a byte-order mark, so Excel shows the accents) or XLSX.
func (s *Server) importTemplate(c echo.Context) error {
	if _, err := s.classInScope(c); err != nil {
		return err
	}
	var heads []string
	for _, col := range importColumns() {
		heads = append(heads, col.Headers[0])
	}
	ext := path.Ext(c.Path())
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="danh-sach-hoc-vien`+ext+`"`)
	if ext == ".csv" {
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		_ = w.Write(heads)
		w.Flush()
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	for i, h := range heads {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := x.SetCellStr(sheet, cell, h); err != nil {
			return fmt.Errorf("web: import template: %w", err)
		}
	}
	if err := x.SetColWidth(sheet, "A", "A", 28); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return fmt.Errorf("web: import template: %w", err)
	}
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}
