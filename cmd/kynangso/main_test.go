package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func TestOperatorCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := testutil.NewDSN(t)

	_, err := runCmd(t, "", "migrate", "--db", db)
	assert.NoErr(t, err)

	out, err := runCmd(t, "", "demo", "--db", db, "--learners", "0")
	assert.NoErr(t, err)
	assert.Contains(t, out, "Demo staff logins (password for all: kynangso-demo)", "admin", "trainer", "/join/CODE")

	_, err = runCmd(t, "", "demo", "--db", db)
	assert.True(t, err != nil && strings.Contains(err.Error(), "not empty"), "demo over existing data: %v", err)

	villages := filepath.Join(dir, "villages.csv")
	assert.NoErr(t, os.WriteFile(villages, []byte("code,name,level,parent_code\n29578-1,Ấp Phú Hòa,village,29578\n29578-2,,village,29578\n"), 0o600))
	_, err = runCmd(t, "", "units", "import", "--db", db, "--file", villages)
	assert.True(t, err != nil, "bad row accepted")
	assert.Contains(t, err.Error(), villages+":3: name must be 1-120 characters")
	assert.NoErr(t, os.WriteFile(villages, []byte("29578-1,Ấp Phú Hòa,village,29578\n"), 0o600))
	out, err = runCmd(t, "", "units", "import", "--db", db, "--file", villages)
	assert.NoErr(t, err)
	assert.Contains(t, out, "1 units added")

	_, err = runCmd(t, "ngắn\n", "user", "add", "--db", db, "--username", "lan", "--role", "trainer", "--unit", "29578")
	assert.True(t, err != nil && strings.Contains(err.Error(), "at least 10 characters"), "weak password accepted: %v", err)
	_, err = runCmd(t, "mật-khẩu-đủ-dài\n", "user", "add", "--db", db, "--username", "lan", "--role", "trainer", "--unit", "99999")
	assert.True(t, err != nil && strings.Contains(err.Error(), "no such unit"), "unknown unit accepted: %v", err)
	out, err = runCmd(t, "mật-khẩu-đủ-dài\n", "user", "add", "--db", db, "--username", "lan", "--role", "trainer", "--unit", "29578")
	assert.NoErr(t, err)
	assert.Contains(t, out, "user lan (trainer, unit 29578) created")

	if testutil.Backend() == "sqlite" {
		backup := filepath.Join(dir, "copy.db")
		out, err = runCmd(t, "", "backup", "--db", db, backup)
		assert.NoErr(t, err)
		assert.Contains(t, out, "backup written")
		info, err := os.Stat(backup)
		assert.NoErr(t, err)
		assert.Equal(t, info.Mode().Perm(), os.FileMode(0o600)) // personal data: owner only
		_, err = runCmd(t, "", "backup", "--db", db, backup)
		assert.True(t, err != nil && strings.Contains(err.Error(), "already exists"), "backup overwrote a file: %v", err)
	}

	// Export everything, then import it into a new database.
	dump := filepath.Join(dir, "dump.jsonl")
	out, err = runCmd(t, "", "export", "--db", db, dump)
	assert.NoErr(t, err)
	assert.Contains(t, out, "exported units 117, users 12")
	info, err := os.Stat(dump)
	assert.NoErr(t, err)
	assert.Equal(t, info.Mode().Perm(), os.FileMode(0o600)) // personal data: owner only
	_, err = runCmd(t, "", "export", "--db", db, dump)
	assert.True(t, err != nil, "export overwrote a file")
	out, err = runCmd(t, "", "import", "--db", testutil.NewDSN(t), dump)
	assert.NoErr(t, err)
	assert.Contains(t, out, "imported units 117, users 12")
	_, err = runCmd(t, "", "import", "--db", db, dump)
	assert.True(t, err != nil && strings.Contains(err.Error(), "empty database"), "import into a full database: %v", err)

	out, err = runCmd(t, "", "version")
	assert.NoErr(t, err)
	assert.Contains(t, out, "kynangso dev")
	out, err = runCmd(t, "")
	assert.NoErr(t, err)
	assert.Contains(t, out, "kynangso serve", "kynangso backup")
}

// writeContent copies the small test curriculum to a folder, as an author
// working on lessons would have it.
func writeContent(t *testing.T, edit func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	fsys := testutil.MiniContent()
	assert.NoErr(t, fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		assert.NoErr(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		return os.WriteFile(filepath.Join(dir, p), fsys[p].Data, 0o644)
	}))
	if edit != nil {
		edit(dir)
	}
	return dir
}

func breakLesson(dir string) {
	p := filepath.Join(dir, "vi", "internet", "01-bat-wifi.md")
	data, _ := os.ReadFile(p)
	_ = os.WriteFile(p, bytes.Replace(data, []byte("        correct: true\n"), nil, 1), 0o644)
}

func TestServeRefusesBrokenContent(t *testing.T) {
	t.Parallel()
	dir := writeContent(t, breakLesson)
	_, err := runCmd(t, "", "serve", "--db", filepath.Join(t.TempDir(), "k.db"), "--content", dir, "--addr", "127.0.0.1:0")
	assert.True(t, err != nil, "broken content served")
	assert.Contains(t, err.Error(), filepath.Join(dir, "vi/internet/01-bat-wifi.md")+":16: question q1 has no correct option")
}

// The binary, built once for the tests of this package that run the real
// program, in a folder TestMain removes.
var binary struct {
	once      sync.Once
	dir, path string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// buildBinary returns the path of the compiled kynangso.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "kynangso-bin-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "kynangso")
		out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	assert.NoErr(t, binary.err)
	return binary.path
}

func TestBinary(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)

	t.Run("broken content exits non-zero with file:line", func(t *testing.T) {
		t.Parallel()
		dir := writeContent(t, breakLesson)
		cmd := exec.Command(bin, "serve", "--db", filepath.Join(t.TempDir(), "k.db"), "--content", dir, "--addr", "127.0.0.1:0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		exit, ok := err.(*exec.ExitError)
		assert.True(t, ok && exit.ExitCode() == 1, "exit = %v", err)
		assert.Contains(t, stderr.String(), "vi/internet/01-bat-wifi.md:16: question q1 has no correct option")
	})

	t.Run("serves demo data and stops gracefully on SIGTERM", func(t *testing.T) {
		t.Parallel()
		db := filepath.Join(t.TempDir(), "data", "k.db") // a folder that does not exist yet
		if testutil.Backend() == "postgres" {
			db = testutil.NewDSN(t)
		}
		p := testutil.StartBinary(t, bin, "--demo", "--db", db)
		res, err := http.Get(p.URL + "/")
		assert.NoErr(t, err)
		res.Body.Close()
		assert.Equal(t, res.StatusCode, 200)

		assert.NoErr(t, p.Stop())
		assert.Contains(t, p.Stdout(), "Demo staff logins", "Kỹ năng số is ready: "+p.URL)
		assert.Contains(t, p.Stderr(), "shutting down")
		// Request logs carry the route, never personal data or raw URLs.
		assert.Contains(t, p.Stderr(), `route=/`)
	})
}

// startServer runs the binary against db and stops it when the test ends.
func startServer(t *testing.T, bin, db string, demo bool) string {
	t.Helper()
	args := []string{"--db", db}
	if demo {
		args = append(args, "--demo")
	}
	p := testutil.StartBinary(t, bin, args...)
	t.Cleanup(func() {
		if err := p.Stop(); err != nil || t.Failed() {
			t.Logf("server %s stopped with %v; log:\n%s", p.URL, err, p.Stderr())
		}
	})
	return p.URL
}

var (
	formNonce = regexp.MustCompile(`name="_form" value="([^"]+)"`)
	subNonce  = regexp.MustCompile(`name="_sub" value="([^"]+)"`)
	codeShown = regexp.MustCompile(`<p class="code">([A-Z0-9]+)-([A-Z0-9]+)</p>`)
)

// TestTwoServersShareOneDatabase: app servers keep no state of their own
// (sessions, throttles and counts are in the database), so a learner who
// signs up on one server resumes on another. On PostgreSQL this is the
// deployment of docs/scaling.md; on SQLite, two processes on one file.
func TestTwoServersShareOneDatabase(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	db := testutil.NewDSN(t)
	if testutil.Backend() == "sqlite" {
		db = filepath.Join(t.TempDir(), "shared.db")
	}
	// Both start at once: the migrations must still run exactly once.
	var a, b string
	done := make(chan struct{})
	go func() { defer close(done); b = startServer(t, bin, db, false) }()
	a = startServer(t, bin, db, true)
	<-done

	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{})
	assert.NoErr(t, err)
	defer st.Close()
	communes, err := st.UnitsByLevel(ctx, "commune")
	assert.NoErr(t, err)

	onA := testutil.NewClient(t, a)
	page := onA.Get("/register").Body
	res := onA.Post("/register", url.Values{"name": {"Huỳnh Văn Hai"}, "birth_year": {"1955"}, "commune": {communes[0].Code},
		"consent": {"yes"}, "_form": {formNonce.FindStringSubmatch(page)[1]}})
	welcome := onA.Follow(res)
	m := codeShown.FindStringSubmatch(welcome.Body)
	if m == nil {
		t.Fatalf("no personal code on server A:\n%s", welcome.Body)
	}
	cat := testutil.Catalog(t)
	mod := cat.Modules("vi")[0]
	lesson := mod.Lessons[0]
	path := "/modules/" + mod.Slug + "/" + lesson.Slug
	quiz := url.Values{"_sub": {subNonce.FindStringSubmatch(onA.Get(path).Body)[1]}}
	for q, o := range lesson.SampleAnswers(len(lesson.Quiz)) {
		quiz.Set(q, o)
	}
	onA.Follow(onA.Post(path+"/quiz", quiz))

	onB := testutil.NewClient(t, b)
	onB.Get("/resume")
	me := onB.Follow(onB.Post("/resume", url.Values{"code": {m[1] + m[2]}}))
	assert.Contains(t, me.Body, "Xin chào Huỳnh Văn Hai", fmt.Sprintf("Đã xong 1 trên %d bài", len(mod.Lessons)))
	applied, err := st.AppliedMigrations(ctx)
	assert.NoErr(t, err)
	all, _ := store.Migrations()
	assert.Equal(t, len(applied), len(all))
}

// logWatch keeps what is written to it and closes seen once a write
// contains want.
type logWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.buf.String(), w.want)
	w.buf.Write(p)
	if !had && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
	}
	return len(p), nil
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestServeMakesLiveBackups: with --backup-dir, serve writes a copy of the
// database at start (the folder holds none), owner-only, complete and
// intact, and stops the backups with the server.
func TestServeMakesLiveBackups(t *testing.T) {
	t.Parallel()
	if testutil.Backend() != "sqlite" {
		t.Skip("live backups copy a SQLite file")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	backups := filepath.Join(dir, "backups")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &logWatch{want: "backup written", seen: make(chan struct{})}
	out := &logWatch{want: "is ready", seen: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--backup-dir", backups, "--backup-every", "1h", "--backup-keep", "2"},
			func(string) string { return "" }, strings.NewReader(""), out, logs)
	}()
	for _, w := range []*logWatch{out, logs} { // serving, and one copy made
		select {
		case <-w.seen:
		case err := <-errc:
			t.Fatalf("serve stopped before %q: %v\n%s", w.want, err, logs)
		case <-time.After(time.Minute): // a guard against hanging, not a wait
			t.Fatalf("no %q within a minute:\n%s", w.want, logs)
		}
	}
	cancel()
	assert.NoErr(t, <-errc)
	files, err := filepath.Glob(filepath.Join(backups, "kynangso-*.db"))
	assert.NoErr(t, err)
	assert.Equal(t, len(files), 1)
	info, err := os.Stat(files[0])
	assert.NoErr(t, err)
	assert.Equal(t, info.Mode().Perm(), os.FileMode(0o600))
	copyStore, err := store.Open(context.Background(), files[0], store.Options{})
	assert.NoErr(t, err)
	defer copyStore.Close()
	assert.NoErr(t, copyStore.IntegrityCheck(context.Background()))
	pending, err := copyStore.PendingMigrations(context.Background())
	assert.NoErr(t, err)
	assert.Equal(t, len(pending), 0) // the copy has the whole schema
}

// TestRepairHealsOldDatabases: a database written before answers were
// recorded in one transaction can hold completed modules without their
// certificate, and names with bytes that break an export to PostgreSQL.
// `kynangso repair` issues the one and cleans the other, and running it
// again changes nothing.
func TestRepairHealsOldDatabases(t *testing.T) {
	db := testutil.NewDSN(t)
	_, err := runCmd(t, "", "demo", "--db", db, "--learners", "0")
	assert.NoErr(t, err)
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{})
	assert.NoErr(t, err)
	defer st.Close()
	communes, err := st.UnitsByLevel(ctx, "commune")
	assert.NoErr(t, err)
	name := "Lê \u202eVăn\x00 Ba"
	if st.Dialect() == store.Postgres {
		name = "Lê \u202eVăn Ba" // PostgreSQL itself refuses NUL
	}
	l := store.Learner{Name: name, BirthYear: 1958, UnitCode: communes[0].Code}
	assert.NoErr(t, st.CreateLearner(ctx, &l))
	m := testutil.Catalog(t).Modules("vi")[1]
	for i, lesson := range m.Lessons {
		// As the old code did when it crashed after the attempt's commit:
		// progress recorded, certificates not.
		_, err := st.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: m.Slug, Lesson: lesson.Slug,
			Score: len(lesson.Quiz), Total: len(lesson.Quiz), Passed: true, Submission: fmt.Sprint("old-", i)})
		assert.NoErr(t, err)
	}
	if st.Dialect() == store.SQLite {
		_, err = runCmd(t, "", "export", "--db", db, filepath.Join(t.TempDir(), "before.jsonl"))
		assert.True(t, err != nil && strings.Contains(err.Error(), "not UTF-8 or holds a NUL byte"), "export of a NUL byte: %v", err)
	}

	out, err := runCmd(t, "", "repair", "--db", db)
	assert.NoErr(t, err)
	assert.Contains(t, out, "1 missing certificates issued, 1 rows of stored text cleaned")
	certs, err := st.CertificatesOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(certs), 1)
	assert.Equal(t, certs[0].Module, m.Slug)
	got, err := st.LearnerByID(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, got.Name, "Lê Văn Ba")

	out, err = runCmd(t, "", "repair", "--db", db)
	assert.NoErr(t, err)
	assert.Contains(t, out, "0 missing certificates issued, 0 rows of stored text cleaned")
	_, err = runCmd(t, "", "export", "--db", db, filepath.Join(t.TempDir(), "after.jsonl"))
	assert.NoErr(t, err)
}
