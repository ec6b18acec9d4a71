// Package config turns command-line flags and KYNANGSO_* environment
// variables into a Config, and rejects impossible values before anything
// opens. Precedence: flag, then environment, then the built-in default. It
// imports nothing of the application.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of one command run. It is passed by
// value and never changed after Load.
type Config struct {
	Command string // "serve", "migrate", "demo", "units import", "user add", "backup"

	Addr          string // serve: listen address
	DB            string // SQLite file or postgres:// URL
	DBReplica     string // serve: a PostgreSQL replica that reports read from ("" = the primary)
	Content       string // serve: folder overriding the embedded content ("" = embedded)
	Demo          bool   // serve: load demo data when the database is empty
	Learners      int    // demo: how many demo learners
	MetricsToken  string // serve: bearer token for /metrics from non-loopback clients
	SecureCookies bool   // serve: mark cookies Secure (behind HTTPS)
	TrustProxy    bool   // serve: take client addresses from X-Forwarded-For (behind a reverse proxy)
	BaseURL       string // serve: public address printed on certificates ("" = the request's host)
	LogFormat     string // "text" or "json"
	LogLevel      string // "debug", "info", "warn", "error"

	// serve: live backups of a SQLite database, none when BackupDir is "".
	BackupDir   string
	BackupEvery time.Duration // 24h when BackupDir is set
	BackupKeep  int           // newest first; 7 when BackupDir is set

	File     string // units import: CSV file
	Username string // user add
	Role     string // user add
	Unit     string // user add: unit code
	Out      string // backup, export: output file ("-" is standard output for export)
	In       string // import: input file ("-" is standard input)
}

// Commands lists the subcommands, as typed.
func Commands() []string {
	return []string{"serve", "migrate", "demo", "units import", "user add", "backup", "export", "import", "repair", "version"}
}

// ErrHelp is returned when -h or --help was asked for; usage was printed.
var ErrHelp = flag.ErrHelp

// Load parses the flags of one subcommand. getenv supplies environment
// variables (os.Getenv in main, a map in tests); usage goes to out.
func Load(command string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	c := Config{Command: command}
	fs := flag.NewFlagSet("kynangso "+command, flag.ContinueOnError)
	fs.SetOutput(out)
	var envErrs []error
	str := func(p *string, name, def, usage string) {
		fs.StringVar(p, name, envString(getenv, name, def), usage+" (env "+envName(name)+")")
	}
	boolean := func(p *bool, name string, def bool, usage string) {
		v, err := envBool(getenv, name, def)
		envErrs = append(envErrs, err)
		fs.BoolVar(p, name, v, usage+" (env "+envName(name)+")")
	}
	integer := func(p *int, name string, def int, usage string) {
		v, err := envInt(getenv, name, def)
		envErrs = append(envErrs, err)
		fs.IntVar(p, name, v, usage+" (env "+envName(name)+")")
	}
	duration := func(p *time.Duration, name string, def time.Duration, usage string) {
		v, err := envDuration(getenv, name, def)
		envErrs = append(envErrs, err)
		fs.DurationVar(p, name, v, usage+" (env "+envName(name)+")")
	}
	logging := func() {
		str(&c.LogFormat, "log-format", "text", `log format: "text" or "json"`)
		str(&c.LogLevel, "log-level", "info", `log level: "debug", "info", "warn" or "error"`)
	}
	db := func() { str(&c.DB, "db", "data/kynangso.db", "SQLite database file or postgres:// URL") }

	switch command {
	case "serve":
		str(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
		db()
		str(&c.Content, "content", "", "folder with lessons, overriding the embedded ones")
		boolean(&c.Demo, "demo", false, "load demo data when the database is empty")
		str(&c.MetricsToken, "metrics-token", "", "bearer token that opens /metrics to non-loopback clients")
		boolean(&c.SecureCookies, "secure-cookies", false, "send cookies only over HTTPS (set this behind TLS)")
		boolean(&c.TrustProxy, "trust-proxy", false, "take the client address from the X-Forwarded-For entry your own reverse proxy appends (only behind one)")
		str(&c.BaseURL, "base-url", "", "public address, e.g. https://kynangso.vinhlong.gov.vn, printed in certificate QR codes")
		str(&c.DBReplica, "db-replica", "", "postgres:// URL of a read replica that the report pages read from (PostgreSQL only)")
		str(&c.BackupDir, "backup-dir", "", "folder for live backups of the SQLite database, made while serving (none when empty)")
		duration(&c.BackupEvery, "backup-every", 0, "time between live backups, e.g. 24h or 6h (default 24h with --backup-dir)")
		integer(&c.BackupKeep, "backup-keep", 0, "how many live backups to keep, newest first (default 7 with --backup-dir)")
		logging()
	case "migrate", "repair":
		db()
		logging()
	case "demo":
		db()
		integer(&c.Learners, "learners", 200, "number of demo learners")
		logging()
	case "units import":
		db()
		str(&c.File, "file", "", "CSV file: code,name,level,parent_code[,population]")
		logging()
	case "user add":
		db()
		str(&c.Username, "username", "", "login name")
		str(&c.Role, "role", "", "admin, supervisor or trainer")
		str(&c.Unit, "unit", "", "code of the unit the account belongs to")
		logging()
	case "backup", "export", "import":
		db()
		logging()
	case "version":
	default:
		return c, fmt.Errorf("unknown command %q; commands: %s", command, strings.Join(Commands(), ", "))
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := errors.Join(envErrs...); err != nil {
		return c, err
	}
	if c.BackupDir != "" { // the defaults apply only to a folder that was given
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		if !given["backup-every"] && getenv(envName("backup-every")) == "" {
			c.BackupEvery = 24 * time.Hour
		}
		if !given["backup-keep"] && getenv(envName("backup-keep")) == "" {
			c.BackupKeep = 7
		}
	}
	rest := fs.Args()
	if len(rest) == 1 {
		switch command {
		case "backup", "export":
			c.Out, rest = rest[0], nil
		case "import":
			c.In, rest = rest[0], nil
		}
	}
	if len(rest) > 0 {
		return c, fmt.Errorf("unexpected argument %q", rest[0])
	}
	return c, c.Validate()
}

// Validate rejects impossible values with a message naming the flag.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Command == "version" {
		return nil
	}
	if strings.TrimSpace(c.DB) == "" {
		bad("--db: give a SQLite file or a postgres:// URL")
	}
	if !slices.Contains([]string{"text", "json"}, c.LogFormat) {
		bad("--log-format %q: use text or json", c.LogFormat)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("--log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	switch c.Command {
	case "serve":
		if _, port, err := net.SplitHostPort(c.Addr); err != nil {
			bad("--addr %q: use host:port, e.g. 127.0.0.1:8080", c.Addr)
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			bad("--addr %q: the port must be a number from 0 to 65535", c.Addr)
		}
		if c.Content != "" {
			if st, err := os.Stat(c.Content); err != nil || !st.IsDir() {
				bad("--content %q: not a folder", c.Content)
			}
		}
		if c.DBReplica != "" {
			if !strings.HasPrefix(c.DBReplica, "postgres://") && !strings.HasPrefix(c.DBReplica, "postgresql://") {
				bad("--db-replica: give a postgres:// URL")
			} else if !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
				bad("--db-replica: a replica needs a PostgreSQL primary (--db postgres://...)")
			}
		}
		if c.BackupDir == "" && (c.BackupEvery != 0 || c.BackupKeep != 0) {
			bad("--backup-every and --backup-keep need --backup-dir DIR, the folder for the backups")
		}
		if c.BackupDir != "" {
			if strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://") {
				bad("--backup-dir: live backups copy a SQLite file; back up PostgreSQL with pg_dump (docs/scaling.md)")
			}
			if c.BackupEvery < time.Minute {
				bad("--backup-every %s: use at least 1m, e.g. 24h", c.BackupEvery)
			}
			if c.BackupKeep < 1 {
				bad("--backup-keep %d: keep at least 1 backup", c.BackupKeep)
			}
		}
		if c.BaseURL != "" {
			if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" {
				bad("--base-url %q: give scheme and host only, e.g. https://kynangso.example.vn", c.BaseURL)
			}
		}
	case "demo":
		if c.Learners < 0 || c.Learners > 1_000_000 {
			bad("--learners %d: use 0 to 1000000", c.Learners)
		}
	case "units import":
		if c.File == "" {
			bad("--file: give the CSV file to import")
		}
	case "user add":
		if strings.TrimSpace(c.Username) == "" {
			bad("--username: give a login name")
		}
		if !slices.Contains([]string{"admin", "supervisor", "trainer"}, c.Role) {
			bad("--role %q: use admin, supervisor or trainer", c.Role)
		}
		if c.Unit == "" {
			bad("--unit: give the code of the account's unit")
		}
	case "backup":
		if c.Out == "" {
			bad("backup needs the output file: kynangso backup --db FILE OUT.db")
		}
	case "export":
		if c.Out == "" {
			bad("export needs the output file (or - for standard output): kynangso export --db FILE OUT.jsonl")
		}
	case "import":
		if c.In == "" {
			bad("import needs the input file (or - for standard input): kynangso import --db URL IN.jsonl")
		}
	}
	return errors.Join(errs...)
}

func envName(flagName string) string {
	return "KYNANGSO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func envString(getenv func(string) string, name, def string) string {
	if v := getenv(envName(name)); v != "" {
		return v
	}
	return def
}

func envBool(getenv func(string) string, name string, def bool) (bool, error) {
	v := getenv(envName(name))
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: use true or false", envName(name), v)
	}
	return b, nil
}

func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(envName(name))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: use a duration such as 24h or 90m", envName(name), v)
	}
	return d, nil
}

func envInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(envName(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: use a whole number", envName(name), v)
	}
	return n, nil
}
