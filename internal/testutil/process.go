package testutil

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is the kynangso binary serving on a port of its own choosing,
// started by a test.
type Process struct {
	URL    string
	cmd    *exec.Cmd
	stdout *lineWatcher
	stderr *lineWatcher
	exited chan struct{} // closed once the process has exited and its output is read
	err    error         // Wait's result, set before exited closes
}

var readyLine = regexp.MustCompile(`Kỹ năng số is ready: (http://\S+)`)

// StartBinary runs `bin serve args...` on 127.0.0.1:0 and returns once it
// listens and /healthz answers 200. It learns the address from the line the
// server prints when its socket is open, waiting for that line to arrive
// (never reading the output at some moment and hoping it is there), so no
// port is picked in advance and raced for by parallel tests. The process is
// killed when the test ends, if it still runs; tests that care how it stops
// call Stop or Kill themselves.
func StartBinary(t testing.TB, bin string, args ...string) *Process {
	t.Helper()
	ready := make(chan string, 1)
	p := &Process{exited: make(chan struct{})}
	p.stdout = &lineWatcher{onLine: func(line string) {
		if m := readyLine.FindStringSubmatch(line); m != nil {
			select {
			case ready <- m[1]:
			default:
			}
		}
	}}
	p.stderr = &lineWatcher{}
	p.cmd = exec.Command(bin, append(append([]string{"serve"}, args...), "--addr", "127.0.0.1:0")...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	dieWithParent(p.cmd)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.Kill() })
	select {
	case p.URL = <-ready:
	case <-p.exited:
		t.Fatalf("server exited before listening (%v):\n%s", p.err, p.Stderr())
	case <-time.After(2 * time.Minute): // a guard against hanging, not a wait
		t.Fatalf("server printed no address in 2 minutes:\n%s", p.Stderr())
	}
	// The socket is open, so requests queue until the server accepts them;
	// /healthz also proves the database answers.
	res, err := http.Get(p.URL + "/healthz")
	if err != nil {
		t.Fatalf("%s/healthz: %v\n%s", p.URL, err, p.Stderr())
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s/healthz: status %d\n%s", p.URL, res.StatusCode, p.Stderr())
	}
	return p
}

// Stop sends SIGTERM, as an operator or systemd would, and waits for the
// process to finish its requests and exit. It returns the exit error.
func (p *Process) Stop() error {
	select {
	case <-p.exited:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(30 * time.Second): // a guard against hanging, not a wait
		p.Kill()
		return errors.New("server did not stop within 30 s of SIGTERM")
	}
}

// Kill ends the process at once with SIGKILL (kill -9: no clean-up, as in a
// power cut for the application) and waits until it is gone.
func (p *Process) Kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Stdout returns what the process printed so far; after Stop or Kill, all of it.
func (p *Process) Stdout() string { return p.stdout.String() }

// Stderr returns the process's log so far; after Stop or Kill, all of it.
func (p *Process) Stderr() string { return p.stderr.String() }

// String names the process for messages.
func (p *Process) String() string { return fmt.Sprintf("kynangso at %s", p.URL) }

// lineWatcher keeps a process's output and shows each complete line to
// onLine as it arrives.
type lineWatcher struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	onLine  func(string)
}

func (w *lineWatcher) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if w.onLine == nil {
		return len(b), nil
	}
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.onLine(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	return len(b), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
