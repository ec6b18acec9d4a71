package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedenceFlagThenEnvThenDefault(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantAddr string
		wantDB   string
		wantDemo bool
	}{
		{"defaults", nil, nil, "127.0.0.1:8080", "data/kynangso.db", false},
		{"environment", nil, map[string]string{"KYNANGSO_ADDR": "127.0.0.1:9000", "KYNANGSO_DB": "/tmp/x.db", "KYNANGSO_DEMO": "true"}, "127.0.0.1:9000", "/tmp/x.db", true},
		{"flag beats environment", []string{"--addr", "127.0.0.1:9100", "--demo=false"}, map[string]string{"KYNANGSO_ADDR": "127.0.0.1:9000", "KYNANGSO_DEMO": "true"}, "127.0.0.1:9100", "data/kynangso.db", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("serve", tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != tt.wantAddr || c.DB != tt.wantDB || c.Demo != tt.wantDemo {
				t.Errorf("got addr %s db %s demo %v", c.Addr, c.DB, c.Demo)
			}
		})
	}
}

func TestBadValuesAreReportedByName(t *testing.T) {
	tests := []struct {
		name    string
		command string
		args    []string
		env     map[string]string
		want    string
	}{
		{"bad address", "serve", []string{"--addr", "localhost"}, nil, `--addr "localhost": use host:port`},
		{"bad port", "serve", []string{"--addr", "127.0.0.1:99999"}, nil, "the port must be a number"},
		{"content is not a folder", "serve", []string{"--content", "/no/such/folder"}, nil, `--content "/no/such/folder": not a folder`},
		{"bad boolean in environment", "serve", nil, map[string]string{"KYNANGSO_DEMO": "yes please"}, `KYNANGSO_DEMO="yes please": use true or false`},
		{"bad number in environment", "demo", nil, map[string]string{"KYNANGSO_LEARNERS": "many"}, `KYNANGSO_LEARNERS="many": use a whole number`},
		{"too many learners", "demo", []string{"--learners", "-3"}, nil, "--learners -3"},
		{"bad log format", "migrate", []string{"--log-format", "xml"}, nil, `--log-format "xml"`},
		{"empty database", "migrate", []string{"--db", " "}, nil, "--db: give a SQLite file"},
		{"import without file", "units import", nil, nil, "--file: give the CSV file"},
		{"bad role", "user add", []string{"--username", "a", "--role", "boss", "--unit", "86"}, nil, `--role "boss"`},
		{"backup without output", "backup", nil, nil, "backup needs the output file"},
		{"live backups too often", "serve", []string{"--backup-dir", "b", "--backup-every", "30s"}, nil, "--backup-every 30s: use at least 1m"},
		{"live backups keep none", "serve", []string{"--backup-dir", "b", "--backup-keep", "0"}, nil, "--backup-keep 0: keep at least 1"},
		{"backup interval without folder", "serve", []string{"--backup-every", "6h"}, nil, "need --backup-dir DIR"},
		{"backup count without folder", "serve", nil, map[string]string{"KYNANGSO_BACKUP_KEEP": "3"}, "need --backup-dir DIR"},
		{"live backups of PostgreSQL", "serve", []string{"--db", "postgres://k@db/k", "--backup-dir", "b"}, nil, "back up PostgreSQL with pg_dump"},
		{"bad duration in environment", "serve", nil, map[string]string{"KYNANGSO_BACKUP_DIR": "b", "KYNANGSO_BACKUP_EVERY": "daily"}, `KYNANGSO_BACKUP_EVERY="daily": use a duration`},
		{"unknown command", "launch", nil, nil, `unknown command "launch"`},
		{"stray argument", "migrate", []string{"extra"}, nil, `unexpected argument "extra"`},
		{"replica of SQLite", "serve", []string{"--db-replica", "postgres://r/k"}, nil, "--db-replica: a replica needs a PostgreSQL primary"},
		{"replica not PostgreSQL", "serve", []string{"--db", "postgres://p/k", "--db-replica", "data/x.db"}, nil, "--db-replica: give a postgres:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.command, tt.args, env(tt.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v; want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestHelpListsEnvironmentVariables(t *testing.T) {
	var out strings.Builder
	_, err := Load("serve", []string{"--help"}, env(nil), &out)
	if err != ErrHelp {
		t.Fatalf("err = %v, want ErrHelp", err)
	}
	for _, want := range []string{"KYNANGSO_ADDR", "KYNANGSO_DB", "KYNANGSO_CONTENT", "KYNANGSO_METRICS_TOKEN", "KYNANGSO_BACKUP_DIR", "KYNANGSO_BACKUP_EVERY", "KYNANGSO_BACKUP_KEEP"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %s:\n%s", want, out.String())
		}
	}
}

func TestLiveBackupFlags(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantDir   string
		wantEvery time.Duration
		wantKeep  int
	}{
		{"off by default", nil, nil, "", 0, 0},
		{"folder alone: daily, keep 7", []string{"--backup-dir", "/var/backups/k"}, nil, "/var/backups/k", 24 * time.Hour, 7},
		{"all from the environment", nil, map[string]string{"KYNANGSO_BACKUP_DIR": "b", "KYNANGSO_BACKUP_EVERY": "6h", "KYNANGSO_BACKUP_KEEP": "28"}, "b", 6 * time.Hour, 28},
		{"flag beats environment", []string{"--backup-every", "1m", "--backup-keep", "2"}, map[string]string{"KYNANGSO_BACKUP_DIR": "b", "KYNANGSO_BACKUP_EVERY": "6h"}, "b", time.Minute, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("serve", tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.BackupDir != tt.wantDir || c.BackupEvery != tt.wantEvery || c.BackupKeep != tt.wantKeep {
				t.Errorf("got dir %q every %s keep %d", c.BackupDir, c.BackupEvery, c.BackupKeep)
			}
		})
	}
}

func TestBackupTakesOutputArgument(t *testing.T) {
	c, err := Load("backup", []string{"--db", "a.db", "out.db"}, env(nil), io.Discard)
	if err != nil || c.Out != "out.db" || c.DB != "a.db" {
		t.Fatalf("got %+v, %v", c, err)
	}
}

func TestExportImportArguments(t *testing.T) {
	c, err := Load("export", []string{"--db", "a.db", "-"}, env(nil), io.Discard)
	if err != nil || c.Out != "-" {
		t.Fatalf("export: %+v, %v", c, err)
	}
	c, err = Load("import", []string{"--db", "postgres://x@h/db", "in.jsonl"}, env(nil), io.Discard)
	if err != nil || c.In != "in.jsonl" {
		t.Fatalf("import: %+v, %v", c, err)
	}
	if _, err := Load("import", []string{"--db", "a.db"}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "import needs the input file") {
		t.Errorf("import without a file: %v", err)
	}
}

func TestReplicaFromFlagOrEnvironment(t *testing.T) {
	c, err := Load("serve", []string{"--db", "postgres://primary/k"}, env(map[string]string{"KYNANGSO_DB_REPLICA": "postgres://replica/k"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.DBReplica != "postgres://replica/k" {
		t.Errorf("replica %q", c.DBReplica)
	}
}
