package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
)

// The shape of the crash test: how many learners answer at once, how many
// times the server is killed, and how many answers are acknowledged between
// two kills.
const (
	crashLearners      = 30
	crashCycles        = 3
	crashAcksPerCycle  = 150
	crashCommune       = "29623"
	crashUnitsCSV      = "code,name,level,parent_code\n86,Tỉnh Vĩnh Long,province,\n858,Huyện Mang Thít,district,86\n" + crashCommune + ",Xã Mỹ An,commune,858\n"
	crashClientTimeout = time.Minute
)

var (
	formField = regexp.MustCompile(`name="_form" value="([^"]+)"`)
	subField  = regexp.MustCompile(`name="_sub" value="([^"]+)"`)
	csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
)

// TestCrashLosesNothing runs the real binary on one database while many
// learners answer quizzes at once, kills it with SIGKILL in the middle of
// the load, starts it again on the same database, three times; then, with
// the server dead after the last kill, it opens the database and checks the
// promises DESIGN §2 and §6 make: an acknowledged answer (303) is stored,
// exactly once, even when the learner sends it again after the crash (as a
// person taps the button again); every certificate the stored progress
// earns exists; the counts agree with the rows; the file is intact.
//
// Kills are timed by the number of acknowledged answers, never by a clock.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary under load; skipped with -short")
	}
	t.Parallel()
	started := time.Now()
	dsn := testutil.NewDSN(t)
	unitsFile := filepath.Join(t.TempDir(), "units.csv")
	if err := os.WriteFile(unitsFile, []byte(crashUnitsCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(binPath, "units", "import", "--db", dsn, "--file", unitsFile).CombinedOutput(); err != nil {
		t.Fatalf("units import: %v\n%s", err, out)
	}

	transport := &http.Transport{MaxIdleConnsPerHost: crashLearners}
	defer transport.CloseIdleConnections()
	srv := &crashServer{t: t, dsn: dsn, transport: transport}
	srv.cond = sync.NewCond(&srv.mu)
	srv.start()

	learners := make([]*crashLearner, crashLearners)
	var wg sync.WaitGroup
	for i := range learners {
		learners[i] = newCrashLearner(i, transport)
		wg.Go(func() { learners[i].register(srv) })
	}
	wg.Wait()
	for _, l := range learners {
		if l.err != nil {
			t.Fatalf("learner %d: %v", l.n, l.err)
		}
	}

	srv.running = crashLearners
	for _, l := range learners {
		wg.Go(func() { l.learn(srv, catalog); srv.done() })
	}
	type cycle struct{ ackedAtKill, inFlight int }
	var cycles []cycle
	for c := 1; c <= crashCycles; c++ {
		if !srv.waitAcks(c * crashAcksPerCycle) {
			srv.finish()
			wg.Wait()
			t.Fatalf("cycle %d: the load stopped early (%s); learners' errors: %v\n%s", c, srv.why(), learnerErrors(learners), srv.proc.Stderr())
		}
		acked, inFlight := srv.kill()
		cycles = append(cycles, cycle{acked, inFlight})
		if c < crashCycles {
			srv.start() // on the same database
		}
	}
	srv.finish() // the server stays dead: the database is checked as the last kill left it
	wg.Wait()
	if err := learnerErrors(learners); err != nil {
		t.Errorf("learners got answers other than 303: %v", err)
	}

	// The database as the last kill left it, as the next start would find it.
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	n, err := st.CountLearners(ctx)
	if err != nil || n != crashLearners {
		t.Errorf("%d learners stored (%v), %d registered", n, err, crashLearners)
	}
	modules := catalog.LessonsByModule()
	var acked, stored, retried, earned, held int
	var lost, missing []string
	var completed int
	for _, l := range learners {
		acked += len(l.acked)
		retried += l.retried
		rec, err := st.LearnerByCode(ctx, l.code)
		if err != nil {
			t.Fatalf("learner %d (%s): %v", l.n, l.code, err)
		}
		attempts, err := st.AttemptsOf(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored += len(attempts)
		bySubmission := map[string][]store.Attempt{}
		perLesson := map[string]int{}
		for _, a := range attempts {
			bySubmission[a.Submission] = append(bySubmission[a.Submission], a)
			perLesson[a.Module+"/"+a.Lesson]++
		}
		for _, a := range l.acked {
			got := bySubmission[a.submission]
			if len(got) != 1 || got[0].Module != a.module || got[0].Lesson != a.lesson {
				lost = append(lost, fmt.Sprintf("learner %d %s/%s: acknowledged, stored %d times", l.n, a.module, a.lesson, len(got)))
			}
		}
		rows, err := st.ProgressOf(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rows {
			if p.Attempts != perLesson[p.Module+"/"+p.Lesson] {
				t.Errorf("learner %d %s/%s: progress counts %d attempts, %d stored", l.n, p.Module, p.Lesson, p.Attempts, perLesson[p.Module+"/"+p.Lesson])
			}
			if p.Status == "completed" {
				completed++
			}
		}
		pm, err := st.ProgressMap(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		done, programme := pm.Earned(modules)
		certs, err := st.CertificatesOf(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		has := map[string]bool{}
		for _, c := range certs {
			has[c.Kind+"/"+c.Module] = true
		}
		held += len(certs)
		earned += len(done)
		for _, m := range done {
			if !has[store.CertModule+"/"+m] {
				missing = append(missing, fmt.Sprintf("learner %d: module %s", l.n, m))
			}
		}
		if programme {
			earned++
			if !has[store.CertProgramme+"/"] {
				missing = append(missing, fmt.Sprintf("learner %d: programme", l.n))
			}
		}
	}
	days, err := st.DailyCounts(ctx, crashCommune)
	if err != nil {
		t.Fatal(err)
	}
	var counted store.DailyCount
	for _, d := range days {
		counted.Registered += d.Registered
		counted.LessonsCompleted += d.LessonsCompleted
		counted.Certificates += d.Certificates
	}
	if counted.Registered != crashLearners || counted.LessonsCompleted != completed || counted.Certificates != held {
		t.Errorf("daily counts say %d registered, %d lessons completed, %d certificates; the rows say %d, %d, %d",
			counted.Registered, counted.LessonsCompleted, counted.Certificates, crashLearners, completed, held)
	}

	t.Logf("%d kills in %s; acknowledged answers when killed: %v (in flight: %v)", len(cycles), time.Since(started).Round(100*time.Millisecond),
		collect(cycles, func(c cycle) int { return c.ackedAtKill }), collect(cycles, func(c cycle) int { return c.inFlight }))
	t.Logf("answers: %d acknowledged, %d stored (%d sent again after a kill); lessons completed %d; certificates earned %d, held %d, missing %d",
		acked, stored, retried, completed, earned, held, len(missing))
	if len(lost) > 0 {
		t.Errorf("%d acknowledged answers not stored exactly once:\n%s", len(lost), strings.Join(lost, "\n"))
	}
	if len(missing) > 0 {
		t.Errorf("%d earned certificates missing after a crash:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

func collect[T any](items []T, f func(T) int) []int {
	var out []int
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

// crashServer is the server the learners talk to, across kills: a
// generation number, its address, and the count of acknowledged answers
// that the test waits on.
type crashServer struct {
	t         *testing.T
	dsn       string
	transport *http.Transport

	mu       sync.Mutex
	cond     *sync.Cond
	proc     *testutil.Process
	gen      int
	killed   int // the generation the test killed last
	base     string
	over     bool  // the test is over: learners stop
	crashed  error // the server died without being killed
	acked    int
	inFlight int
	running  int // learners still answering
}

// start runs a new server on the database and tells the learners.
func (s *crashServer) start() {
	proc := testutil.StartBinary(s.t, binPath, "--db", s.dsn, "--trust-proxy", "--log-level", "warn")
	s.mu.Lock()
	s.proc, s.base = proc, proc.URL
	s.gen++
	gen := s.gen
	s.cond.Broadcast()
	s.mu.Unlock()
	go func() { // a server that dies on its own stops the test
		<-proc.Exited()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.killed != gen && !s.over && s.crashed == nil {
			s.crashed = fmt.Errorf("the server exited by itself:\n%s", proc.Stderr())
			s.cond.Broadcast()
		}
	}()
}

// kill ends the server with SIGKILL and returns the acknowledged answers
// and the requests under way at that moment.
func (s *crashServer) kill() (acked, inFlight int) {
	s.mu.Lock()
	proc := s.proc
	acked, inFlight = s.acked, s.inFlight
	s.base = "" // new requests wait for the next server
	s.killed = s.gen
	s.mu.Unlock()
	proc.Kill()
	s.transport.CloseIdleConnections() // connections to the dead server
	return acked, inFlight
}

// current returns the generation and address to send requests to, waiting
// while the server is down; ok is false once the test is over.
func (s *crashServer) current() (gen int, base string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.base == "" && !s.over && s.crashed == nil {
		s.cond.Wait()
	}
	return s.gen, s.base, !s.over && s.crashed == nil
}

// after is called when a request to server gen got no answer. If the test
// killed that server, it waits for the next one; otherwise (a connection
// the kernel reset, say) the request is simply sent again.
func (s *crashServer) after(gen int) (int, string, bool) {
	s.mu.Lock()
	for s.killed == gen && s.gen == gen && !s.over && s.crashed == nil {
		s.cond.Wait()
	}
	s.mu.Unlock()
	return s.current()
}

func (s *crashServer) sending(delta int) {
	s.mu.Lock()
	s.inFlight += delta
	s.mu.Unlock()
}

func (s *crashServer) ack() {
	s.mu.Lock()
	s.acked++
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *crashServer) done() {
	s.mu.Lock()
	s.running--
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *crashServer) finish() {
	s.mu.Lock()
	s.over = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// waitAcks waits until n answers have been acknowledged in all; false if
// the load stopped first.
func (s *crashServer) waitAcks(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.acked < n && s.running > 0 && s.crashed == nil {
		s.cond.Wait()
	}
	return s.acked >= n
}

func (s *crashServer) why() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.crashed != nil {
		return s.crashed.Error()
	}
	return fmt.Sprintf("%d learners still answering, %d answers acknowledged", s.running, s.acked)
}

// crashLearner is one resident on their own phone (cookie jar) behind the
// province's proxy (their own address in X-Forwarded-For).
type crashLearner struct {
	n       int
	client  *http.Client
	addr    string
	code    string
	acked   []ackedAnswer
	retried int
	err     error
}

type ackedAnswer struct{ module, lesson, submission string }

func newCrashLearner(n int, transport http.RoundTripper) *crashLearner {
	jar, _ := cookiejar.New(nil)
	return &crashLearner{n: n, addr: fmt.Sprintf("203.0.113.%d", n+1), client: &http.Client{
		Jar: jar, Transport: transport, Timeout: crashClientTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// send makes one request; err is a transport error (the server is gone).
func (l *crashLearner) send(base, method, path string, form url.Values) (int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		return 0, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", l.addr)
	res, err := l.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// register signs up through the form, as on /register, and reads the
// personal code from the learner's data download.
func (l *crashLearner) register(s *crashServer) {
	_, base, _ := s.current()
	status, page, err := l.send(base, http.MethodGet, "/register", nil)
	if err != nil || status != http.StatusOK {
		l.err = fmt.Errorf("GET /register: %d %v", status, err)
		return
	}
	form := url.Values{"name": {fmt.Sprintf("Người Thử %02d", l.n)}, "birth_year": {"1962"}, "commune": {crashCommune}, "consent": {"yes"},
		"_form": {field(formField, page)}, "_csrf": {field(csrfField, page)}}
	if status, page, err = l.send(base, http.MethodPost, "/register", form); err != nil || status != http.StatusSeeOther {
		l.err = fmt.Errorf("POST /register: %d %v\n%.1000s", status, err, page)
		return
	}
	status, data, err := l.send(base, http.MethodGet, "/me/data.json", nil)
	var me struct{ Code string }
	if err != nil || status != http.StatusOK || json.Unmarshal([]byte(data), &me) != nil || me.Code == "" {
		l.err = fmt.Errorf("GET /me/data.json: %d %v", status, err)
		return
	}
	l.code = me.Code
}

// learn goes through the modules, each learner starting at a different
// one so that modules are completed all through the run: open the lesson,
// answer its quiz (wrongly first, now and then), until the test is over.
// A request the server never answered is sent again to the next server,
// the same form with the same nonce, as a person taps again.
func (l *crashLearner) learn(s *crashServer, cat *curriculum.Catalog) {
	gen, base, ok := s.current()
	all := cat.Modules("vi")
	for i := range all {
		m := all[(l.n+i)%len(all)]
		for j, lesson := range m.Lessons {
			path := "/modules/" + m.Slug + "/" + lesson.Slug
			scores := []int{len(lesson.Quiz)}
			if (l.n+j)%4 == 0 {
				scores = []int{0, len(lesson.Quiz)}
			}
			for _, score := range scores {
				var page string
				for tries := 0; page == ""; tries++ {
					if !ok {
						return
					}
					if tries > 100 {
						l.err = fmt.Errorf("GET %s: no answer after %d tries", path, tries)
						return
					}
					status, body, err := l.send(base, http.MethodGet, path, nil)
					if err != nil {
						gen, base, ok = s.after(gen)
						continue
					}
					if status != http.StatusOK {
						l.err = fmt.Errorf("GET %s: %d", path, status)
						return
					}
					page = body
				}
				form := url.Values{"_sub": {field(subField, page)}, "_csrf": {field(csrfField, page)}}
				for q, o := range lesson.SampleAnswers(score) {
					form.Set(q, o)
				}
				for tries := 0; ; tries++ {
					if !ok {
						return
					}
					if tries > 100 {
						l.err = fmt.Errorf("POST %s/quiz: no answer after %d tries", path, tries)
						return
					}
					again := tries > 0
					if again {
						l.retried++
					}
					s.sending(1)
					status, body, err := l.send(base, http.MethodPost, path+"/quiz", form)
					s.sending(-1)
					if err != nil {
						gen, base, ok = s.after(gen)
						continue
					}
					if status != http.StatusSeeOther {
						l.err = fmt.Errorf("POST %s/quiz: %d\n%.500s", path, status, body)
						return
					}
					l.acked = append(l.acked, ackedAnswer{m.Slug, lesson.Slug, form.Get("_sub")})
					s.ack()
					break
				}
			}
		}
	}
}

func field(re *regexp.Regexp, page string) string {
	if m := re.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

func learnerErrors(ls []*crashLearner) error {
	var errs []error
	for _, l := range ls {
		if l.err != nil {
			errs = append(errs, fmt.Errorf("learner %d: %w", l.n, l.err))
		}
	}
	return errors.Join(errs...)
}
