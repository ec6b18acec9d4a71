package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// backupPagesPerStep is how many pages one step of the online backup
// copies (1 MiB at SQLite's 4 KiB pages): between steps the copy notices a
// cancelled context, so a server asked to stop does not wait for a whole
// large database to be copied.
const backupPagesPerStep = 256

// errNoPostgresBackup points operators of PostgreSQL at its own tool.
var errNoPostgresBackup = errors.New("store: backup copies a SQLite file; on PostgreSQL use pg_dump (docs/scaling.md)")

// Backup writes a consistent copy of the live SQLite database to out, which
// must not exist yet. The copy is readable by its owner only (DESIGN §6). It
// is written under a temporary name in the same folder and linked to out
// only when complete, so out is never a half-written file, even if the
// process is killed.
//
// It uses SQLite's online backup API from a reader connection that holds
// one read transaction for the whole copy:
//   - in WAL mode a reader never blocks the writer, so quiz answers keep
//     being saved while a large database is copied. (VACUUM INTO, used
//     before, ran on the single writer connection and made every write wait
//     for the whole copy.)
//   - the held transaction pins one snapshot. Without it each step would
//     start a new read, and SQLite restarts a backup from the first page
//     whenever another connection has committed since the last step: under
//     steady writes the copy would never finish. The price: while the
//     copy runs, checkpoints cannot move past its snapshot, so the WAL
//     grows by the writes made meanwhile, until the next checkpoint.
func (st *Store) Backup(ctx context.Context, out string) error {
	if st.dialect != SQLite {
		return errNoPostgresBackup
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("store: backup: %s already exists", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup: %w", err)
	}
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmpName := tmp.Name()
	_ = tmp.Close()
	defer os.Remove(tmpName) // once linked to out, this only drops the temporary name
	if err := st.copyOnline(ctx, tmpName); err != nil {
		return fmt.Errorf("store: backup to %s: %w", out, err)
	}
	if err := syncPath(tmpName); err != nil {
		return fmt.Errorf("store: backup to %s: %w", out, err)
	}
	// A hard link, unlike a rename, never replaces a file that appeared at
	// out meanwhile.
	if err := os.Link(tmpName, out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("store: backup: %s already exists", out)
		}
		if err := os.Rename(tmpName, out); err != nil { // a file system without hard links
			return fmt.Errorf("store: backup to %s: %w", out, err)
		}
	}
	_ = syncPath(dir) // make the new name durable; not all systems allow it
	return nil
}

// copyOnline copies the database, page by page, into dst (an empty file).
func (st *Store) copyOnline(ctx context.Context, dst string) error {
	pool, err := st.r.DB()
	if err != nil {
		return err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		src, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("unexpected SQLite driver %T", dc)
		}
		// BEGIN is deferred: the first read takes the snapshot.
		if _, err := src.Exec("BEGIN", nil); err != nil {
			return err
		}
		defer func() { _, _ = src.Exec("ROLLBACK", nil) }()
		if err := readOneRow(src, "SELECT count(*) FROM sqlite_master"); err != nil {
			return err
		}
		d, err := (&sqlite3.SQLiteDriver{}).Open("file:" + dst + "?_busy_timeout=5000")
		if err != nil {
			return err
		}
		defer d.Close()
		dest, ok := d.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("unexpected SQLite driver %T", d)
		}
		b, err := dest.Backup("main", src, "main")
		if err != nil {
			return err
		}
		pages := backupPagesPerStep
		if st.backupTest.pages > 0 {
			pages = st.backupTest.pages
		}
		for stalled := 0; ; {
			if err := ctx.Err(); err != nil {
				_ = b.Finish()
				return err
			}
			before := b.Remaining()
			done, err := b.Step(pages)
			if err != nil {
				_ = b.Finish()
				return err
			}
			if done {
				return b.Finish()
			}
			if st.backupTest.afterStep != nil {
				st.backupTest.afterStep(b.Remaining(), b.PageCount())
			}
			// Step reports a busy or locked database as "not done": the
			// file is ours and the snapshot is held, so this should not
			// happen; never spin on it.
			if b.Remaining() >= before && before > 0 {
				if stalled++; stalled > 500 {
					_ = b.Finish()
					return errors.New("the copy made no progress (database locked)")
				}
				time.Sleep(10 * time.Millisecond)
			} else {
				stalled = 0
			}
		}
	})
}

// backupHooks let tests copy a few pages per step and act between steps
// (see backup_hooks_test.go); zero in production.
type backupHooks struct {
	pages     int
	afterStep func(remaining, total int)
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns an error
// listing what it found unless the answer is "ok". Restore drills and the
// crash test use it on copies. A no-op on PostgreSQL.
func (st *Store) IntegrityCheck(ctx context.Context) error {
	if st.dialect != SQLite {
		return nil
	}
	var problems []string
	if err := st.r.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&problems).Error; err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if len(problems) == 1 && problems[0] == "ok" {
		return nil
	}
	return fmt.Errorf("store: integrity check: %s", strings.Join(problems, "; "))
}

func readOneRow(c *sqlite3.SQLiteConn, query string) error {
	rows, err := c.Query(query, nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	return rows.Next(make([]driver.Value, len(rows.Columns())))
}

// syncPath flushes a file or a folder to disk.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// BackupOptions configure the live backups that serve makes.
type BackupOptions struct {
	Dir   string        // folder for the copies; created, owner only, if missing
	Every time.Duration // time between two copies, at least a minute
	Keep  int           // how many copies to keep, newest first; at least 1
	Log   *slog.Logger  // nil: discard
	// Now is the clock for the copies' names; nil means time.Now.
	Now func() time.Time
}

// Backups makes copies of a live SQLite database on a schedule, named
// kynangso-YYYYMMDD-HHMMSS.db (UTC), keeping the newest few.
type Backups struct {
	st   *Store
	opts BackupOptions
}

// backupTime is the time in a backup's name, in UTC.
const backupTime = "20060102-150405"

var backupName = regexp.MustCompile(`^kynangso-(\d{8}-\d{6})\.db$`)

// NewBackups checks the options and creates the folder. It refuses a
// PostgreSQL store, whose operators use pg_dump.
func NewBackups(st *Store, o BackupOptions) (*Backups, error) {
	if st.dialect != SQLite {
		return nil, errNoPostgresBackup
	}
	switch {
	case strings.TrimSpace(o.Dir) == "":
		return nil, errors.New("store: backups need a folder")
	case o.Every < time.Minute:
		return nil, fmt.Errorf("store: backups every %s: use at least a minute", o.Every)
	case o.Keep < 1:
		return nil, fmt.Errorf("store: keep %d backups: keep at least one", o.Keep)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: backup folder: %w", err)
	}
	return &Backups{st: st, opts: o}, nil
}

// Run makes a copy whenever one is due, until ctx ends: at once when the
// folder holds none made within the interval (so restarting the server
// neither skips a copy nor makes extra ones), then every interval. A failed
// copy is logged and tried again after ten minutes at most; it never stops
// the server.
func (b *Backups) Run(ctx context.Context) {
	last, ok := b.newest()
	next := firstBackupDue(time.Now(), last, ok, b.opts.Every)
	for {
		if wait := time.Until(next); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
		}
		if ctx.Err() != nil {
			return
		}
		start := time.Now()
		path, err := b.Once(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			b.opts.Log.Error("backup failed", "dir", b.opts.Dir, "err", err)
			next = time.Now().Add(min(b.opts.Every, 10*time.Minute))
		default:
			b.opts.Log.Info("backup written", "file", path, "took", time.Since(start).Round(time.Millisecond))
			next = start.Add(b.opts.Every)
		}
	}
}

// firstBackupDue says when a server starting at now makes its first copy,
// given the time of the newest copy in the folder (if any): one interval
// after that copy, and at once if that moment has passed. A copy dated in
// the future (a clock set wrong) delays the first one by an interval only.
func firstBackupDue(now, newest time.Time, found bool, every time.Duration) time.Time {
	if !found {
		return now
	}
	due := newest.Add(every)
	if limit := now.Add(every); due.After(limit) {
		return limit
	}
	return due
}

// Once makes one copy named for the current time, then deletes all but the
// newest Keep copies. It returns the new copy's path.
func (b *Backups) Once(ctx context.Context) (string, error) {
	path := filepath.Join(b.opts.Dir, "kynangso-"+b.opts.Now().UTC().Format(backupTime)+".db")
	if err := b.st.Backup(ctx, path); err != nil {
		return "", err
	}
	return path, b.prune()
}

// List returns the copies in the folder, newest first.
func (b *Backups) List() ([]string, error) {
	entries, err := os.ReadDir(b.opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("store: list backups: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && backupName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names) // the time in the name sorts as text
	slices.Reverse(names)
	for i, n := range names {
		names[i] = filepath.Join(b.opts.Dir, n)
	}
	return names, nil
}

// newest returns the time of the newest copy in the folder.
func (b *Backups) newest() (time.Time, bool) {
	names, err := b.List()
	if err != nil || len(names) == 0 {
		return time.Time{}, false
	}
	m := backupName.FindStringSubmatch(filepath.Base(names[0]))
	t, err := time.Parse(backupTime, m[1])
	return t, err == nil
}

// prune deletes the copies beyond the newest Keep, and temporary files
// left by copies that a killed process never finished (an hour old: no
// copy takes that long, and a younger one may be another server's work).
func (b *Backups) prune() error {
	names, err := b.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, old := range names[min(b.opts.Keep, len(names)):] {
		if err := os.Remove(old); err != nil {
			errs = append(errs, err)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(b.opts.Dir, ".kynangso-*.db.*.tmp*")) // and its -journal
	for _, tmp := range leftovers {
		if info, err := os.Stat(tmp); err == nil && time.Since(info.ModTime()) > time.Hour {
			errs = append(errs, os.Remove(tmp))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: delete old backups: %w", err)
	}
	return nil
}
