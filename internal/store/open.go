// Package store owns the database: opening it, the numbered migrations and
// every query, through GORM. It speaks SQLite (embedded, the default) and
// PostgreSQL (for deployments that outgrow one machine). It must not import
// internal/web; callers get plain structs and the ErrNotFound sentinel.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh on hosts without zoneinfo

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique value (username, code) is taken.
var ErrConflict = errors.New("store: already exists")

// Dialect names the database engine behind a Store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune how the database is opened.
type Options struct {
	// ReadConns caps the reader pool; 0 means two per CPU, at least four.
	ReadConns int
	// Log receives slow and failed queries (never their parameters).
	Log *slog.Logger
	// Now is the clock for created_at columns; nil means time.Now in UTC.
	Now func() time.Time
	// Replica is a PostgreSQL URL that reports read from (--db-replica):
	// a streaming replica keeps the province's report reads off the
	// primary. "" reads reports from the primary's reader pool.
	Replica string
}

// Store is the database handle. SQLite gets two pools: w (one connection,
// so writers queue in Go instead of failing with SQLITE_BUSY) and r (several
// read-only connections; WAL lets them read while w writes). On PostgreSQL
// both point at one pool.
type Store struct {
	w, r    *gorm.DB
	rep     *gorm.DB // what reports read: the replica, else r
	dialect Dialect
	path    string // SQLite file, for backups and messages
	now     func() time.Time
	loc     *time.Location // Vietnam, for the day an event is counted on
	chains  sync.Map       // unit code → codes from the root down to it (paths never change)

	backupTest backupHooks // slows the online backup down for tests; zero otherwise
	stmts      sync.Map    // query → *sql.Stmt on the reader pool (readStmt)
}

// IsPostgresURL tells whether dsn names a PostgreSQL server rather than a
// SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens (creating if needed) the database named by dsn: a postgres://
// URL or a SQLite file path. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	// Microseconds, UTC: PostgreSQL keeps no finer time, so both engines
	// store and return the same instant.
	st := &Store{now: func() time.Time { return clock().UTC().Truncate(time.Microsecond) }}
	var err error
	if st.loc, err = time.LoadLocation("Asia/Ho_Chi_Minh"); err != nil {
		return nil, fmt.Errorf("store: time zone: %w", err)
	}
	// GORM's prepared-statement cache can deadlock a pool whose
	// connections are all held by transactions (gorm issue #7465): a caller
	// outside a transaction, first to use a query, registers it and waits
	// for a connection to prepare it on, while the transactions holding the
	// connections wait for that same preparation. The writer pool has one
	// connection, so one transaction is enough, and a restart under load
	// (an empty cache) hung the server for good; see
	// TestWriterCannotDeadlockOnPreparedStatements. So only the SQLite
	// readers use the cache: they take no transactions but Export's, which
	// holds one connection of several. pgx caches prepared statements on
	// each PostgreSQL connection by itself.
	cfg := func(prepare bool) *gorm.Config {
		return &gorm.Config{
			SkipDefaultTransaction: true,
			PrepareStmt:            prepare,
			NowFunc:                st.now,
			Logger: logger.NewSlogLogger(opts.Log, logger.Config{
				LogLevel:                  logger.Warn,
				SlowThreshold:             250 * time.Millisecond,
				IgnoreRecordNotFoundError: true,
				ParameterizedQueries:      true, // parameters hold names and phones: never log them
			}),
		}
	}
	readConns := opts.ReadConns
	if readConns <= 0 {
		readConns = max(4, 2*runtime.NumCPU())
	}

	if IsPostgresURL(dsn) {
		db, err := gorm.Open(postgres.Open(dsn), cfg(false))
		if err != nil {
			return nil, fmt.Errorf("store: open postgres %s: %w", redactURL(dsn), err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(readConns + 4)
		sqlDB.SetMaxIdleConns(readConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		st.w, st.r, st.rep, st.dialect = db, db, db, Postgres
		if err := st.Ping(ctx); err != nil {
			_ = st.Close()
			return nil, fmt.Errorf("store: connect to %s: %w", redactURL(dsn), err)
		}
		if err := st.openReplica(ctx, opts.Replica, cfg(false), readConns); err != nil {
			_ = st.Close()
			return nil, err
		}
		return st, nil
	}
	if opts.Replica != "" {
		return nil, errors.New("store: a replica (--db-replica) needs a PostgreSQL primary")
	}

	if dir := filepath.Dir(dsn); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create folder for %s: %w", dsn, err)
		}
	}
	if err := ownerOnly(dsn, opts.Log); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dsn, err)
	}
	w, err := gorm.Open(sqlite.Open(sqliteDSN(dsn, false)), cfg(false))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dsn, err)
	}
	wdb, _ := w.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetConnMaxIdleTime(0)
	st.w, st.dialect, st.path = w, SQLite, dsn
	// Create the file and switch it to WAL before the readers open it.
	if err := st.Ping(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("store: open %s: %w", dsn, err)
	}
	r, err := gorm.Open(sqlite.Open(sqliteDSN(dsn, true)), cfg(true))
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", dsn, err)
	}
	rdb, _ := r.DB()
	rdb.SetMaxOpenConns(readConns)
	rdb.SetMaxIdleConns(readConns)
	st.r, st.rep = r, r
	return st, nil
}

// openReplica connects the report reads to a PostgreSQL replica. Counters
// are written with the events in one transaction, so a replica's copy is
// always a consistent state of some recent moment; the pages say "as of"
// with the time its newest counter row was written.
func (st *Store) openReplica(ctx context.Context, dsn string, cfg *gorm.Config, conns int) error {
	if dsn == "" {
		return nil
	}
	if !IsPostgresURL(dsn) {
		return fmt.Errorf("store: --db-replica %q: give a postgres:// URL", redactURL(dsn))
	}
	db, err := gorm.Open(postgres.Open(dsn), cfg)
	if err != nil {
		return fmt.Errorf("store: open replica %s: %w", redactURL(dsn), err)
	}
	sqlDB, _ := db.DB()
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns / 2)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	st.rep = db
	var one int
	if err := db.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("store: connect to replica %s: %w", redactURL(dsn), err)
	}
	return nil
}

// HasReplica tells whether reports read from a replica.
func (st *Store) HasReplica() bool { return st.rep != st.r }

// sqliteDSN builds the connection string for the mattn driver. The pragmas
// live in the DSN, not in a one-off Exec, so that every connection the pool
// opens later gets them too. Order matters:
//   - _busy_timeout first: setting journal_mode needs a lock, and without a
//     timeout a second process opening the file at the same moment fails at
//     once with SQLITE_BUSY instead of waiting;
//   - WAL lets readers run while the single writer commits;
//   - synchronous=NORMAL is durable across application crashes in WAL mode
//     (only an OS crash can lose the last commits) and much faster than FULL;
//   - _txlock=immediate takes the write lock at BEGIN, so a transaction never
//     fails half-way when it upgrades from read to write;
//   - secure_delete=on overwrites deleted rows with zeros, in their page and
//     in pages put on the free list, so a learner who deletes their data
//     cannot be read back from the file (DESIGN §6). "fast" would leave
//     traces on free-list pages. The old versions of the pages still sit in
//     the WAL until a checkpoint: see Scrub;
//   - the reader pool is query-only, so a write sent to it by mistake fails
//     loudly instead of racing the writer.
func sqliteDSN(path string, readOnly bool) string {
	dsn := "file:" + path + "?_busy_timeout=5000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=on" +
		"&_secure_delete=on" +
		"&_cache_size=-8000" + // KiB per connection; keeps RSS inside the budget
		"&_stmt_cache_size=64"
	if readOnly {
		return dsn + "&_query_only=1"
	}
	return dsn + "&_txlock=immediate"
}

// ownerOnly makes the database file readable by its owner only (DESIGN §6):
// it creates a missing file with mode 0600 before SQLite opens it, since
// SQLite would create it 0644 (less the umask), and it takes the group and
// world bits off an existing file. SQLite gives the -wal and -shm files the
// mode of the database file; older ones, made before this rule, are
// tightened too. The log names the file and its old mode, nothing else.
func ownerOnly(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		mode := info.Mode().Perm()
		if !info.Mode().IsRegular() || mode&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, mode&0o700); err != nil {
			// Not fatal: the server still works, and the operator is told how to fix it.
			log.Warn("database file is readable by other users and could not be restricted; run chmod 600 on it",
				"file", p, "mode", fmt.Sprintf("%#o", mode), "err", err)
			continue
		}
		log.Warn("database file was readable by other users; it is now readable by its owner only",
			"file", p, "was", fmt.Sprintf("%#o", mode), "now", fmt.Sprintf("%#o", mode&0o700))
	}
	return nil
}

// Dialect returns the database engine.
func (st *Store) Dialect() Dialect { return st.dialect }

// Ping checks that the database answers a query on both pools.
func (st *Store) Ping(ctx context.Context) error {
	for _, db := range []*gorm.DB{st.w, st.r} {
		if db == nil {
			continue
		}
		var one int
		if err := db.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Close closes both pools.
func (st *Store) Close() error {
	var errs []error
	st.stmts.Range(func(_, s any) bool {
		errs = append(errs, s.(*sql.Stmt).Close())
		return true
	})
	seen := map[*gorm.DB]bool{}
	for _, db := range []*gorm.DB{st.rep, st.r, st.w} {
		if db == nil || seen[db] {
			continue
		}
		seen[db] = true
		if sqlDB, err := db.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
	}
	return errors.Join(errs...)
}

// Scrub makes rows deleted a moment ago unreadable from the database files:
// call it after deleting a learner. secure_delete has already zeroed them in
// the current version of each page, but the WAL still holds the versions
// from before the deletion; a TRUNCATE checkpoint copies the new pages into
// the database file and empties the WAL. It waits (busy_timeout) for
// readers still on an older snapshot, and says so if one outlasted the wait:
// the old frames then leave at the next checkpoint. A no-op on PostgreSQL
// (its VACUUM reclaims dead rows).
func (st *Store) Scrub(ctx context.Context) error {
	if st.dialect != SQLite {
		return nil
	}
	var busy, frames, done int
	if err := st.w.WithContext(ctx).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("store: scrub: %w", err)
	}
	if busy != 0 {
		return errors.New("store: scrub: a reader held the WAL; deleted rows leave it at the next checkpoint")
	}
	return nil
}

// Optimize runs SQLite's periodic housekeeping: refresh planner statistics
// and truncate the WAL so it does not grow without bound. A no-op on
// PostgreSQL, whose autovacuum does this.
func (st *Store) Optimize(ctx context.Context) error {
	if st.dialect != SQLite {
		return nil
	}
	if err := st.w.WithContext(ctx).Exec("PRAGMA optimize").Error; err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	if err := st.w.WithContext(ctx).Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}

func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// changed turns the result of an UPDATE or DELETE into an error: the
// database's, wrapped with what was done, or ErrNotFound when no row matched.
func changed(res *gorm.DB, what string) error {
	if res.Error != nil {
		return fmt.Errorf("store: %s: %w", what, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// notFound maps GORM's not-found error to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// Pragmas reads the SQLite settings of n connections of one pool, held open
// together so that they really are n different connections. Tests use it to
// prove the DSN reaches every connection; operators can use it to check.
func (st *Store) Pragmas(ctx context.Context, reader bool, n int) ([]map[string]string, error) {
	db := st.w
	if reader {
		db = st.r
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for range n {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		p := map[string]string{}
		for _, name := range []string{"journal_mode", "foreign_keys", "busy_timeout", "synchronous", "secure_delete", "query_only"} {
			var v string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
				return nil, fmt.Errorf("store: pragma %s: %w", name, err)
			}
			p[name] = v
		}
		out = append(out, p)
	}
	return out, nil
}

// Size returns how many bytes the database takes: SQLite's pages, or the
// tables and indexes of the current schema on PostgreSQL. The metrics show
// it, and the hardening tests watch it under anonymous traffic.
func (st *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	q := "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	if st.dialect == Postgres {
		q = "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() AND c.relkind = 'r'"
	}
	if err := st.r.WithContext(ctx).Raw(q).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("store: size: %w", err)
	}
	return n, nil
}
