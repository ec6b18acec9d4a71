package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Bulk loading, for the demo's full-size province (a million learners in
// minutes): rows go in as multi-row INSERTs inside large transactions,
// with ids chosen by the caller, and the report counters are rebuilt once
// at the end by Recount instead of being bumped row by row. Nothing else
// writes this way: every live write path goes through the methods that
// keep counters in their own transaction.

// Loader inserts rows inside one transaction of a bulk load.
type Loader struct {
	tx    *gorm.DB
	st    *Store
	stmts map[string]*sql.Stmt // the full-size INSERT of each table, prepared once
}

// Load runs fn in one write transaction; ids given explicitly to rows are
// then made safe for later inserts (PostgreSQL's identity sequences move
// past them). On SQLite the writer's page cache is enlarged for the
// load, so the indexes being filled stay in memory, and put back after.
func (st *Store) Load(ctx context.Context, fn func(l *Loader) error) error {
	// Statements of thousands of rows are slow by design here: only errors
	// are worth a log line.
	db := st.w.WithContext(ctx)
	db = db.Session(&gorm.Session{PrepareStmt: false, Logger: db.Logger.LogMode(logger.Error)})
	if st.dialect == SQLite {
		if err := db.Exec("PRAGMA cache_size = -262144").Error; err != nil {
			return fmt.Errorf("store: bulk load: %w", err)
		}
		defer db.Exec("PRAGMA cache_size = -8000") // as sqliteDSN sets it
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		l := &Loader{tx: tx, st: st, stmts: map[string]*sql.Stmt{}}
		defer func() {
			for _, s := range l.stmts {
				_ = s.Close()
			}
		}()
		if err := fn(l); err != nil {
			return err
		}
		return st.resetSequences(tx)
	})
	if err != nil {
		return fmt.Errorf("store: bulk load: %w", err)
	}
	return nil
}

// Insert adds rows (values in the order of cols) to a table, in
// multi-row INSERTs of up to loadParams values; the statement of a full
// batch is prepared once per transaction.
func (l *Loader) Insert(table string, cols []string, rows [][]any) error {
	per := max(1, loadParams/len(cols))
	ctx := l.tx.Statement.Context
	pool := l.tx.Statement.ConnPool
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(batch)*len(cols))
		for _, r := range batch {
			args = append(args, r...)
		}
		var err error
		if len(batch) == per {
			stmt := l.stmts[table]
			if stmt == nil {
				if stmt, err = pool.PrepareContext(ctx, l.st.bind(insertSQL(table, cols, per))); err != nil {
					return fmt.Errorf("store: insert %s: %w", table, err)
				}
				l.stmts[table] = stmt
			}
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = pool.ExecContext(ctx, l.st.bind(insertSQL(table, cols, len(batch))), args...)
		}
		if err != nil {
			return fmt.Errorf("store: insert %s: %w", table, err)
		}
	}
	return nil
}

// loadParams bounds the values of one INSERT, under both engines' limits.
const loadParams = 4000

// insertSQL is an INSERT of n rows of cols.
func insertSQL(table string, cols []string, n int) string {
	var b strings.Builder
	one := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// AddDailyCounts adds counts to daily_counts, row by (unit, day).
func (l *Loader) AddDailyCounts(rows []DailyCount) error {
	for start := 0; start < len(rows); start += 500 {
		batch := rows[start:min(start+500, len(rows))]
		err := l.tx.Table("daily_counts").Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "unit_code"}, {Name: "day"}},
			DoUpdates: clause.Set{
				{Column: clause.Column{Name: "registered"}, Value: gorm.Expr("daily_counts.registered + excluded.registered")},
				{Column: clause.Column{Name: "lessons_completed"}, Value: gorm.Expr("daily_counts.lessons_completed + excluded.lessons_completed")},
				{Column: clause.Column{Name: "modules_completed"}, Value: gorm.Expr("daily_counts.modules_completed + excluded.modules_completed")},
				{Column: clause.Column{Name: "certificates"}, Value: gorm.Expr("daily_counts.certificates + excluded.certificates")},
			},
		}).Create(&batch).Error
		if err != nil {
			return fmt.Errorf("store: add daily counts: %w", err)
		}
	}
	return nil
}

// NextID returns the id after the largest one of a table with an id.
func (st *Store) NextID(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := st.w.WithContext(ctx).Raw("SELECT COALESCE(MAX(id), 0) + 1 FROM " + table).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("store: next id of %s: %w", table, err)
	}
	return n, nil
}

// Analyze refreshes the query planner's statistics, after a bulk load has
// changed the tables' sizes by orders of magnitude.
func (st *Store) Analyze(ctx context.Context) error {
	if err := st.w.WithContext(ctx).Exec("ANALYZE").Error; err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// TableName keeps GORM from guessing the daily counts' table.
func (DailyCount) TableName() string { return "daily_counts" }
