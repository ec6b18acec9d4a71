package store

import (
	"context"
	"sync/atomic"

	"gorm.io/gorm"
)

// CountQueries runs fn and returns how many SQL statements the store sent
// meanwhile, on either pool, counted by GORM callbacks (tests only). The
// trainers' pages use it to prove their queries do not grow with the
// number of learners.
func (st *Store) CountQueries(fn func()) int {
	var n atomic.Int64
	count := func(db *gorm.DB) {
		if !db.DryRun { // a subquery being built, not a statement sent
			n.Add(1)
		}
	}
	pools := []*gorm.DB{st.w}
	if st.r != st.w {
		pools = append(pools, st.r)
	}
	const name = "test:count_queries"
	for _, db := range pools {
		cb := db.Callback()
		_ = cb.Create().Register(name, count)
		_ = cb.Query().Register(name, count)
		_ = cb.Update().Register(name, count)
		_ = cb.Delete().Register(name, count)
		_ = cb.Row().Register(name, count)
		_ = cb.Raw().Register(name, count)
	}
	defer func() {
		for _, db := range pools {
			cb := db.Callback()
			_ = cb.Create().Remove(name)
			_ = cb.Query().Remove(name)
			_ = cb.Update().Remove(name)
			_ = cb.Delete().Remove(name)
			_ = cb.Row().Remove(name)
			_ = cb.Raw().Remove(name)
		}
	}()
	fn()
	return int(n.Load())
}

// ExecForTest runs one statement on the writer (tests set traps with it).
func (st *Store) ExecForTest(ctx context.Context, sql string, args ...any) error {
	return st.w.WithContext(ctx).Session(&gorm.Session{PrepareStmt: false}).Exec(sql, args...).Error
}
