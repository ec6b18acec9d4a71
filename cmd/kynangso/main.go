// Command kynangso is the Kỹ năng số server and its operator tools:
//
//	kynangso serve    [--addr 127.0.0.1:8080] [--db data/kynangso.db] [--db-replica URL] [--content DIR] [--demo]
//	                  [--backup-dir DIR [--backup-every 24h] [--backup-keep 7]]
//	kynangso migrate  [--db ...]
//	kynangso demo     [--db ...] [--learners N]
//	kynangso units import --file units.csv
//	kynangso user add --username U --role admin|supervisor|trainer --unit CODE   (password on stdin)
//	kynangso backup   --db ... OUT.db          (consistent copy of a live SQLite database, mode 0600)
//	kynangso export   --db ... OUT.jsonl        (whole database as JSON lines; - for stdout)
//	kynangso import   --db ... IN.jsonl         (into an empty database, e.g. PostgreSQL)
//	kynangso repair   --db ...                  (issue earned certificates that are missing, clean stored text, recount report counters)
//
// Every flag also reads KYNANGSO_<FLAG>. This file only wires things
// together; the work happens in internal/.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh on hosts without zoneinfo

	"golang.org/x/sync/errgroup"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
	"github.com/kynangso/kynangso/internal/validate"
	"github.com/kynangso/kynangso/internal/web"
	"github.com/kynangso/kynangso/static"
	"github.com/kynangso/kynangso/templates"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, config.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kynangso:", err)
		os.Exit(1)
	}
}

const usage = `Kỹ năng số: digital skills for residents of pilot communes.

Usage:
  kynangso serve    [--addr 127.0.0.1:8080] [--db data/kynangso.db] [--db-replica URL] [--content DIR] [--demo]
                    [--backup-dir DIR [--backup-every 24h] [--backup-keep 7]]   live backups (SQLite)
  kynangso migrate  [--db ...]
  kynangso demo     [--db ...] [--learners N]
  kynangso units import --file units.csv
  kynangso user add --username U --role admin|supervisor|trainer --unit CODE   (password on stdin)
  kynangso backup   --db ... OUT.db           consistent copy of a live SQLite database
  kynangso export   --db ... OUT.jsonl        whole database as JSON lines (- for stdout)
  kynangso import   --db ... IN.jsonl         into an empty database (- for stdin)
  kynangso repair   --db ...                  issue missing certificates, clean stored text, recount report counters
  kynangso version

"kynangso COMMAND --help" lists the flags and their KYNANGSO_* variables.
`

// run is main without the process: testable with its own args, environment
// and streams. ctx is cancelled on SIGINT/SIGTERM.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	command, rest := args[0], args[1:]
	if (command == "units" || command == "user") && len(rest) > 0 {
		command, rest = command+" "+rest[0], rest[1:]
	}
	cfg, err := config.Load(command, rest, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	switch cfg.Command {
	case "version":
		fmt.Fprintln(stdout, "kynangso", version)
		return nil
	case "serve":
		return serve(ctx, cfg, log, stdout, getenv)
	}

	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	switch cfg.Command {
	case "migrate":
		return nil // openStore migrated
	case "demo":
		cat, err := loadContent(cfg)
		if err != nil {
			return err
		}
		start := time.Now()
		sum, err := demo.Load(ctx, st, demo.Options{Learners: cfg.Learners, Catalog: cat, Progress: stderr})
		if err != nil {
			return err
		}
		sum.Print(stdout, "http://127.0.0.1:8080")
		fmt.Fprintf(stdout, "Demo data loaded in %s.\n", time.Since(start).Round(time.Second))
		return nil
	case "units import":
		return importUnits(ctx, st, cfg.File, stdout)
	case "user add":
		return addUser(ctx, st, cfg, stdin, stdout)
	case "backup":
		if err := st.Backup(ctx, cfg.Out); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "backup written to", cfg.Out)
		return nil
	case "export":
		return exportDB(ctx, st, cfg.Out, stdout, stderr)
	case "import":
		return importDB(ctx, st, cfg.In, stdin, stdout)
	case "repair":
		return repair(ctx, st, cfg, stdout)
	}
	return fmt.Errorf("command %q is not implemented", cfg.Command)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the database and applies pending migrations.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DB, store.Options{Log: log, Replica: cfg.DBReplica})
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "versions", strings.Join(applied, ","))
	}
	return st, nil
}

// loadContent validates the lessons before anything else starts, so a bad
// lesson stops the server with file:line: reason.
func loadContent(cfg config.Config) (*curriculum.Catalog, error) {
	var fsys fs.FS = content.FS
	name := "content"
	if cfg.Content != "" {
		fsys, name = os.DirFS(cfg.Content), cfg.Content
	}
	cat, err := curriculum.Load(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("content has problems:\n%w", err)
	}
	return cat, nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer, getenv func(string) string) error {
	start := time.Now()
	// A soft limit on the Go heap (unless the operator sets GOMEMLIMIT):
	// under a burst of clients the collector works harder instead of letting
	// the heap double, which keeps the process inside DESIGN's 100 MB with
	// SQLite's page caches on top. It never stops the program.
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
	// Start-up makes ~100 MB of short-lived garbage (parsing lessons,
	// rendering and compressing every shared page) on a heap that ends
	// near 20 MB: collecting it at the usual pace would cost a sixth of
	// the start-up. The usual pace returns once the server is built.
	restoreGC := func() {}
	if getenv("GOGC") == "" {
		usual := debug.SetGCPercent(400)
		restoreGC = func() { debug.SetGCPercent(usual) }
	}
	// The lessons are checked while the messages load and the database
	// opens: the three share nothing, and the lessons take longest.
	var (
		cat    *curriculum.Catalog
		bundle *i18n.Bundle
		st     *store.Store
	)
	var g errgroup.Group
	g.Go(func() (err error) { cat, err = loadContent(cfg); return err })
	g.Go(func() (err error) {
		if bundle, err = i18n.New(log); err == nil {
			st, err = openStore(ctx, cfg, log)
		}
		return err
	})
	err := g.Wait()
	if st != nil {
		defer st.Close()
	}
	if err != nil {
		return err
	}

	if cfg.Demo {
		if n, err := st.CountUnits(ctx); err != nil {
			return err
		} else if n == 0 {
			fmt.Fprintln(stdout, "Empty database: loading demo data…")
			if _, err := demo.Load(ctx, st, demo.Options{Learners: 200, Catalog: cat}); err != nil {
				return err
			}
		}
	}
	if cfg.BackupDir != "" {
		backups, err := store.NewBackups(st, store.BackupOptions{Dir: cfg.BackupDir, Every: cfg.BackupEvery, Keep: cfg.BackupKeep, Log: log})
		if err != nil {
			return err
		}
		// The loop stops with ctx (SIGTERM) or when Serve fails, and the
		// store closes only after it has: a copy is never cut off by Close.
		bctx, stopBackups := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); backups.Run(bctx) }()
		defer func() { stopBackups(); <-done }()
		log.Info("live backups", "dir", cfg.BackupDir, "every", cfg.BackupEvery, "keep", cfg.BackupKeep)
	}
	srv, err := web.New(web.Deps{
		Store: st, Curriculum: cat, I18n: bundle, Log: log, Config: cfg,
		Templates: templates.FS, Static: static.FS, Version: version,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	if err := describeDemo(ctx, st, stdout, base); err != nil {
		ln.Close()
		return err
	}
	// Heal what older versions may have left (certificates earned but not
	// issued). Idempotent and quick, but off the start-up path: it reads
	// aggregates over all progress, which grows with the province.
	go func() {
		if n, err := learning.New(st, cat).Repair(ctx); err != nil {
			log.Warn("repair at start-up failed", "err", err)
		} else if n > 0 {
			log.Info("missing certificates issued at start-up", "count", n)
		}
	}()
	log.Info("serving", "url", base, "lessons", cat.LessonCount(), "db", st.Dialect(), "startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "Kỹ năng số is ready: %s\n", base)
	restoreGC()
	return srv.Serve(ctx, ln)
}

// describeDemo prints the demo logins and class codes when the database
// holds demo data. An error here is the database failing: it stops the
// start-up rather than leaving the operator (or a test) without the list.
func describeDemo(ctx context.Context, st *store.Store, stdout io.Writer, base string) error {
	loaded, err := demo.Loaded(ctx, st)
	if err != nil || !loaded {
		return err
	}
	sum, err := demo.Describe(ctx, st)
	if err != nil {
		return fmt.Errorf("list the demo logins and classes: %w", err)
	}
	sum.Print(stdout, base)
	return nil
}

func importUnits(ctx context.Context, st *store.Store, file string, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	list, err := units.ParseCSV(f, file)
	if err != nil {
		return err
	}
	added, updated, err := st.ImportUnits(ctx, list, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d units added, %d updated\n", file, added, updated)
	return nil
}

func addUser(ctx context.Context, st *store.Store, cfg config.Config, stdin io.Reader, stdout io.Writer) error {
	if _, err := st.UnitByCode(ctx, cfg.Unit); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("--unit %s: no such unit (import the unit list first)", cfg.Unit)
		}
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	hash, err := auth.HashPassword(strings.TrimRight(line, "\r\n"), 0)
	if err != nil {
		return err
	}
	u := store.User{Username: cfg.Username, Role: cfg.Role, UnitCode: cfg.Unit, PasswordHash: hash}
	if err := st.CreateUser(ctx, &u); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s, unit %s) created\n", u.Username, u.Role, u.UnitCode)
	return nil
}

// exportDB writes the database to a file, or to stdout for "-", so that
// `kynangso export --db a.db - | kynangso import --db postgres://… -` moves
// a province from SQLite to PostgreSQL in one line.
func exportDB(ctx context.Context, st *store.Store, out string, stdout, stderr io.Writer) error {
	w := stdout
	if out != "-" {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // personal data: owner only
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	counts, err := st.Export(ctx, w)
	if err != nil {
		return err
	}
	report := stdout
	if out == "-" {
		report = stderr // keep stdout clean for the pipe
	}
	fmt.Fprintf(report, "exported %s\n", summarize(counts))
	return nil
}

func importDB(ctx context.Context, st *store.Store, in string, stdin io.Reader, stdout io.Writer) error {
	r := stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	counts, err := st.Import(ctx, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %s\n", summarize(counts))
	return nil
}

// repair heals what older versions could leave behind; it is idempotent.
func repair(ctx context.Context, st *store.Store, cfg config.Config, stdout io.Writer) error {
	cat, err := loadContent(cfg)
	if err != nil {
		return err
	}
	cleaned, err := st.CleanText(ctx, validate.Sanitize) // first: certificates print the names
	if err != nil {
		return err
	}
	issued, err := learning.New(st, cat).Repair(ctx)
	if err != nil {
		return err
	}
	recounted, err := st.Recount(ctx) // last: the steps above change what is counted
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "repair: %d missing certificates issued, %d rows of stored text cleaned, %d report counter rows corrected\n", issued, cleaned, recounted)
	return nil
}

func summarize(counts map[string]int) string {
	var parts []string
	for _, t := range store.Tables() {
		parts = append(parts, fmt.Sprintf("%s %d", t, counts[t]))
	}
	return strings.Join(parts, ", ")
}
