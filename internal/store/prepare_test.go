package store

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestWriterCannotDeadlockOnPreparedStatements pins the reason the writer
// pool does not use GORM's prepared-statement cache (gorm issue #7465): a
// request outside a transaction that is first to use a query registers it
// in the cache, then waits for the only writer connection to prepare it;
// the transaction holding that connection asks the cache for the same query
// and waits for that preparation. Neither moves again, and every later
// write queues behind them: the server hangs. The crash test met it after a
// restart under load, when the cache is empty.
func TestWriterCannotDeadlockOnPreparedStatements(t *testing.T) {
	ctx := context.Background()
	st := migratedSQLite(t)
	pool, err := st.w.DB()
	if err != nil {
		t.Fatal(err)
	}
	const query = "SELECT count(*) FROM settings WHERE name = 'deadlock-probe'"
	inTx := make(chan error, 1)
	holding := make(chan struct{})
	waitsBefore := pool.Stats().WaitCount
	go func() {
		inTx <- st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			close(holding)
			for pool.Stats().WaitCount == waitsBefore { // until the other request queues for the connection
				runtime.Gosched()
			}
			var n int64
			return tx.Raw(query).Scan(&n).Error
		})
	}()
	<-holding
	// The limit only ends a deadlock so that the test can report it.
	limited, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var n int64
	outside := st.w.WithContext(limited).Raw(query).Scan(&n).Error
	if err := <-inTx; err != nil {
		t.Errorf("the transaction failed: %v", err)
	}
	if outside != nil {
		t.Errorf("the request outside the transaction failed (deadlocked until the limit): %v", outside)
	}
}

// migratedSQLite opens a migrated SQLite store in a temporary folder, for
// the tests inside the package (testutil cannot be imported from here).
func migratedSQLite(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "k.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}
