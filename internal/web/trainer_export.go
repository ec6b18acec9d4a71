package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"github.com/kynangso/kynangso/internal/store"
)

// Exports of a class: the class list, progress and real tasks, as CSV
// (UTF-8 with a byte-order mark, so that Excel shows Vietnamese letters)
// or XLSX, with headers in the page's language (Vietnamese by default).
// Each is personal data: it is written to the audit log (who, what, how
// many rows) before a byte is sent, and a failed audit sends nothing.

// Exports a class offers.
const (
	exportList     = "list"
	exportProgress = "progress"
	exportTasks    = "tasks"
)

// table is an export before it is encoded: a sheet name, headers, rows.
type table struct {
	Sheet  string
	Header []string
	Rows   [][]any
}

// classExport answers one export of a class in one format (csv or xlsx).
func (s *Server) classExport(kind, format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		cl, err := s.classInScope(c)
		if err != nil {
			return err
		}
		p := s.staffPage(c)
		var t table
		switch kind {
		case exportList:
			t, err = s.listTable(c, p, cl)
		case exportProgress:
			t, err = s.progressTable(c, p, cl)
		default:
			t, err = s.tasksTable(c, p, cl)
		}
		if err != nil {
			return err
		}
		var body []byte
		contentType := "text/csv; charset=utf-8"
		if format == "xlsx" {
			contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			body, err = t.xlsx()
		} else {
			body, err = t.csv()
		}
		if err != nil {
			return err
		}
		staff := currentStaff(c)
		err = s.store.Audit(c.Request().Context(), store.AuditEntry{UserID: &staff.UserID, Username: staff.Username,
			Action: fmt.Sprintf("export.class_%s.%s", kind, format), Target: "class:" + strconv.FormatInt(cl.ID, 10), RowCount: len(t.Rows)})
		if err != nil {
			return err
		}
		name := fmt.Sprintf("lop-%d-%s.%s", cl.ID, map[string]string{exportList: "danh-sach", exportProgress: "tien-do", exportTasks: "viec-lam-duoc"}[kind], format)
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
		h.Set(echo.HeaderCacheControl, "no-store")
		return c.Blob(http.StatusOK, contentType, body)
	}
}

// listTable is the class list: who the learners are and how to reach them.
func (s *Server) listTable(c echo.Context, p Page, cl store.Class) (table, error) {
	learners, err := s.store.ClassLearners(c.Request().Context(), cl.ID)
	if err != nil {
		return table{}, err
	}
	t := table{Sheet: p.T("export.sheet_list"), Header: []string{p.T("export.number"), p.T("export.name"), p.T("export.birth_year"),
		p.T("export.gender"), p.T("export.village"), p.T("export.phone"), p.T("export.registered"), p.T("export.last_active")}}
	for i, l := range learners {
		gender := ""
		if l.Gender != nil {
			gender = p.T(map[string]string{"female": "register.gender_female", "male": "register.gender_male", "other": "register.gender_other"}[*l.Gender])
		}
		t.Rows = append(t.Rows, []any{i + 1, l.Name, l.BirthYear, gender, orEmpty(l.Village), orEmpty(l.Phone),
			formatTime(l.CreatedAt, vietnamTime(), "02/01/2006"), formatTime(l.LastActiveAt, vietnamTime(), "02/01/2006")})
	}
	return t, nil
}

// progressTable is the grid on paper: lessons done per module, in person,
// drills, tasks, and the needs-help reasons.
func (s *Server) progressTable(c echo.Context, p Page, cl store.Class) (table, error) {
	ctx := c.Request().Context()
	th, err := s.thresholds(ctx)
	if err != nil {
		return table{}, err
	}
	_, day := today()
	snap, err := s.store.ClassSnapshot(ctx, []int64{cl.ID}, day, th.AbsentSessions)
	if err != nil {
		return table{}, err
	}
	g := gridPage{Page: p, Class: cl, Modules: s.cur.Modules(p.Lang), PracticeTotal: len(s.cur.Scenarios(p.Lang)), Thresholds: th}
	g.Help = s.helpList(p, snap, th, map[int64]string{cl.ID: cl.Name})
	reasons := map[int64][]string{}
	for _, h := range g.Help {
		for _, f := range h.Flags {
			reasons[h.Learner.ID] = append(reasons[h.Learner.ID], f.Reason)
		}
	}
	t := table{Sheet: p.T("export.sheet_progress"), Header: []string{p.T("export.name")}}
	for _, m := range g.Modules {
		t.Header = append(t.Header, p.T("export.module_done", "Module", m.Title))
	}
	t.Header = append(t.Header, p.T("export.lessons_done"), p.T("export.lessons_verified"), p.T("export.practice"), p.T("export.tasks"),
		p.T("export.last_active"), p.T("export.needs_help"))
	for _, r := range s.gridRows(g, snap) {
		row := []any{r.Learner.Name}
		done, verified := 0, 0
		for _, cell := range r.Cells {
			row = append(row, fmt.Sprintf("%d/%d", cell.Done, cell.Total))
			done += cell.Done
			verified += cell.Verified
		}
		row = append(row, done, verified, r.Practice, r.Tasks, formatTime(r.Learner.LastActiveAt, vietnamTime(), "02/01/2006"),
			strings.Join(reasons[r.Learner.ID], "; "))
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// tasksTable lists every tick of the class's learners, one row each.
func (s *Server) tasksTable(c echo.Context, p Page, cl store.Class) (table, error) {
	ctx := c.Request().Context()
	learners, err := s.store.ClassLearners(ctx, cl.ID)
	if err != nil {
		return table{}, err
	}
	ticks, err := s.store.ClassTaskTicks(ctx, cl.ID)
	if err != nil {
		return table{}, err
	}
	names := map[int64]string{}
	for _, l := range learners {
		names[l.ID] = l.Name
	}
	modules := s.moduleTitles(p.Lang)
	t := table{Sheet: p.T("export.sheet_tasks"), Header: []string{p.T("export.name"), p.T("export.task"), p.T("export.module"), p.T("export.how"), p.T("export.done_on")}}
	for _, l := range learners {
		for _, tk := range ticks {
			if tk.LearnerID != l.ID {
				continue
			}
			title, module := tk.Task, ""
			if task, ok := s.cur.Task(p.Lang, tk.Task); ok {
				title, module = task.Title, modules[task.Module]
			}
			how := p.T("tasks.with_help")
			if tk.Alone {
				how = p.T("tasks.alone")
			}
			t.Rows = append(t.Rows, []any{names[tk.LearnerID], title, module, how, formatTime(dayTime(tk.DoneOn), vietnamTime(), "02/01/2006")})
		}
	}
	return t, nil
}

// csv encodes the table as CSV with a UTF-8 byte-order mark. A cell that
// starts like a formula (=, +, -, @) is prefixed with an apostrophe, so a
// name typed as "=..." is never run by a spreadsheet.
func (t table) csv() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true // what Excel writes and expects
	if err := w.Write(t.Header); err != nil {
		return nil, err
	}
	for _, r := range t.Rows {
		rec := make([]string, len(r))
		for i, v := range r {
			rec[i] = fmt.Sprint(v)
			if s, ok := v.(string); ok && s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
				rec[i] = "'" + s
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// xlsx encodes the table as one sheet with a bold, frozen header row.
// Text cells are stored as text, never as formulas.
func (t table) xlsx() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := t.Sheet
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	header := make([]any, len(t.Header))
	for i, h := range t.Header {
		header[i] = h
	}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return nil, err
	}
	for i, r := range t.Rows {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return nil, err
		}
		row := r
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	last, err := excelize.CoordinatesToCellName(max(1, len(t.Header)), 1)
	if err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(sheet, "A1", last, bold); err != nil {
		return nil, err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	lastCol, _ := excelize.ColumnNumberToName(max(1, len(t.Header)))
	if err := f.SetColWidth(sheet, "A", lastCol, 18); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
