package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Tables lists every application table, parents before children, so that
// rows can be copied in this order without breaking a foreign key. A test
// checks it against the schema, so a new migration cannot forget a table.
func Tables() []string {
	return []string{"units", "users", "audit_log", "classes", "settings", "learners", "progress", "attempts", "certificates", "sessions", "throttles", "daily_counts", "practice_runs", "practice_choices", "check_results", "check_scores", "class_sessions", "class_session_lessons", "attendance", "task_ticks",
		"unit_counts", "unit_module_counts", "unit_task_counts", "unit_active_days", "unit_birth_counts", "trainer_counts", "learner_keys", "api_tokens", "api_token_uses"}
}

// exportHeader opens an export: what wrote it and which migrations its
// schema has, so an import into another schema is refused.
type exportHeader struct {
	Format     string   `json:"format"`
	Migrations []string `json:"migrations"`
	Dialect    Dialect  `json:"dialect"`
}

// exportTable introduces the rows of one table and the columns that hold
// timestamps (JSON has no time type).
type exportTable struct {
	Table string   `json:"table"`
	Times []string `json:"times,omitempty"`
}

const exportFormat = "kynangso-export-1"

// Export writes the whole database as JSON lines: a header, then for each
// table a line naming it and one line per row. It reads one consistent
// snapshot. The output moves data between engines (SQLite to PostgreSQL)
// and can be read with any JSON tool. It returns the rows written per table.
func (st *Store) Export(ctx context.Context, w io.Writer) (map[string]int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	counts := map[string]int{}
	migrations, err := st.AppliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	var versions []string
	for v := range migrations {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	if err := enc.Encode(exportHeader{Format: exportFormat, Migrations: versions, Dialect: st.dialect}); err != nil {
		return nil, err
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if st.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every table
	} // SQLite: a read transaction in WAL mode already sees one snapshot
	err = st.r.WithContext(ctx).Session(&gorm.Session{PrepareStmt: false}).Transaction(func(tx *gorm.DB) error {
		for _, table := range Tables() {
			n, err := exportRows(tx, table, enc)
			if err != nil {
				return fmt.Errorf("table %s: %w", table, err)
			}
			counts[table] = n
		}
		return nil
	}, opts)
	if err != nil {
		return nil, fmt.Errorf("store: export: %w", err)
	}
	return counts, bw.Flush()
}

func exportRows(tx *gorm.DB, table string, enc *json.Encoder) (int, error) {
	rows, err := tx.Table(table).Order(orderColumn(table)).Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	var (
		n      int
		header *exportTable
	)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		row := make(map[string]any, len(cols))
		var times []string
		for i, c := range cols {
			if v, ok := vals[i].([]byte); ok {
				vals[i] = string(v)
			}
			switch v := vals[i].(type) {
			case string:
				// JSON would silently turn bad bytes into U+FFFD, and
				// PostgreSQL refuses NUL: say so instead of losing them.
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					return n, fmt.Errorf("row %d, column %s: text that is not UTF-8 or holds a NUL byte; run `kynangso repair` to clean stored text, then export again", n+1, c)
				}
				row[c] = v
			case time.Time:
				row[c] = v.UTC().Format(time.RFC3339Nano)
				times = append(times, c)
			default:
				row[c] = v
			}
		}
		if header == nil {
			header = &exportTable{Table: table, Times: times}
			if err := enc.Encode(header); err != nil {
				return n, err
			}
		}
		if err := enc.Encode(row); err != nil {
			return n, err
		}
		n++
	}
	if header == nil { // an empty table still gets its line
		if err := enc.Encode(exportTable{Table: table}); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

func orderColumn(table string) string {
	switch table {
	case "units":
		return "path" // parents before children
	case "settings", "throttles":
		return "name"
	case "progress":
		return "learner_id, module, lesson"
	case "daily_counts":
		return "unit_code, day"
	case "practice_choices":
		return "run_id, seq"
	case "unit_counts":
		return "unit_code"
	case "unit_module_counts":
		return "unit_code, module"
	case "unit_task_counts":
		return "unit_code, task"
	case "unit_active_days":
		return "unit_code, day"
	case "unit_birth_counts":
		return "unit_code, birth_year, gender"
	case "trainer_counts":
		return "user_id"
	case "learner_keys":
		return "unit_code, birth_year, name_key"
	case "check_results":
		return "learner_id, kind"
	case "check_scores":
		return "learner_id, kind, module"
	case "class_session_lessons":
		return "session_id, module, lesson"
	case "attendance":
		return "session_id, learner_id"
	case "task_ticks":
		return "learner_id, task"
	}
	return "id"
}

// ErrNotEmptyDatabase is returned by Import when the target holds data.
var ErrNotEmptyDatabase = errors.New("store: import needs an empty database")

// Import loads an Export into this database, which must be migrated to the
// same version and empty. Everything happens in one transaction: an import
// either completes or leaves the database as it was.
func (st *Store) Import(ctx context.Context, r io.Reader) (map[string]int, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	dec.UseNumber()
	var h exportHeader
	if err := dec.Decode(&h); err != nil || h.Format != exportFormat {
		return nil, fmt.Errorf("store: import: not a kynangso export (first line: %v)", err)
	}
	applied, err := st.AppliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	if len(applied) != len(h.Migrations) {
		return nil, fmt.Errorf("store: import: the export has migrations %s but this database has %d; upgrade both to the same version", strings.Join(h.Migrations, ","), len(applied))
	}
	for _, v := range h.Migrations {
		if !applied[v] {
			return nil, fmt.Errorf("store: import: this database lacks migration %s", v)
		}
	}
	counts := map[string]int{}
	for _, t := range Tables() {
		counts[t] = 0
	}
	err = st.w.WithContext(ctx).Session(&gorm.Session{PrepareStmt: false}).Transaction(func(tx *gorm.DB) error {
		for _, table := range Tables() {
			var n int64
			if err := tx.Table(table).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 && table != "settings" {
				return fmt.Errorf("%w: table %s has %d rows", ErrNotEmptyDatabase, table, n)
			}
		}
		var current *exportTable
		line := 1
		for {
			var raw map[string]any
			err := dec.Decode(&raw)
			if err == io.EOF {
				break
			}
			line++
			if err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			if name, ok := raw["table"].(string); ok && len(raw) <= 2 {
				if !slices.Contains(Tables(), name) {
					return fmt.Errorf("line %d: unknown table %q", line, name)
				}
				current = &exportTable{Table: name}
				if ts, ok := raw["times"].([]any); ok {
					for _, c := range ts {
						s, _ := c.(string)
						current.Times = append(current.Times, s)
					}
				}
				continue
			}
			if current == nil {
				return fmt.Errorf("line %d: a row before any table line", line)
			}
			if err := importRow(tx, current, raw); err != nil {
				return fmt.Errorf("line %d (table %s): %w", line, current.Table, err)
			}
			counts[current.Table]++
		}
		return st.resetSequences(tx)
	})
	if err != nil {
		return nil, fmt.Errorf("store: import: %w", err)
	}
	return counts, nil
}

func importRow(tx *gorm.DB, t *exportTable, raw map[string]any) error {
	for k, v := range raw {
		switch x := v.(type) {
		case json.Number:
			if i, err := x.Int64(); err == nil {
				raw[k] = i
			} else if f, err := x.Float64(); err == nil {
				raw[k] = f
			}
		case string:
			if slices.Contains(t.Times, k) {
				tm, err := time.Parse(time.RFC3339Nano, x)
				if err != nil {
					return fmt.Errorf("column %s: %w", k, err)
				}
				raw[k] = tm
			}
		}
	}
	if t.Table == "settings" { // migrations may have seeded settings; the export wins
		if err := tx.Exec("DELETE FROM settings WHERE name = ?", raw["name"]).Error; err != nil {
			return err
		}
	}
	return tx.Table(t.Table).Create(raw).Error
}

// resetSequences moves PostgreSQL's id counters past the imported ids;
// SQLite's AUTOINCREMENT follows inserted ids by itself.
func (st *Store) resetSequences(tx *gorm.DB) error {
	if st.dialect != Postgres {
		return nil
	}
	for _, table := range []string{"users", "audit_log", "classes", "learners", "attempts", "certificates", "practice_runs", "class_sessions", "api_tokens", "api_token_uses"} { // tables with {{id}}
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)", table, table)
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("reset id sequence of %s: %w", table, err)
		}
	}
	return nil
}

// SchemaTables returns the tables that exist in the database, for tests
// that keep Tables in step with the migrations.
func (st *Store) SchemaTables(ctx context.Context) ([]string, error) {
	var names []string
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if st.dialect == Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	err := st.r.WithContext(ctx).Raw(q).Scan(&names).Error
	slices.Sort(names)
	return names, err
}
