package ssh

// Transcripts are conversations captured from real servers, stored in
// testdata/ and replayed by a fake server. A file holds comment lines
// ("# ...") and one step a line: "S" or "C" (server or client sent it)
// and the bytes as a Go-quoted string.

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the lab's real servers")

type step struct {
	server bool
	data   []byte
}

func readTranscript(t testing.TB, path string) []step {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var steps []step
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		dir, quoted, ok := strings.Cut(line, " ")
		data, err := strconv.Unquote(quoted)
		if !ok || (dir != "S" && dir != "C") || err != nil {
			t.Fatalf("%s:%d: want S or C and a quoted string", path, i+1)
		}
		steps = append(steps, step{dir == "S", []byte(data)})
	}
	return steps
}

func writeTranscript(t testing.TB, path, comment string, steps []step) {
	t.Helper()
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(comment), "\n") {
		fmt.Fprintf(&b, "# %s\n", l)
	}
	for _, s := range steps {
		dir := "C"
		if s.server {
			dir = "S"
		}
		fmt.Fprintf(&b, "%s %s\n", dir, strconv.Quote(string(s.data)))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recorder is a net.Conn that keeps what went each way, in order.
type recorder struct {
	net.Conn
	mu    sync.Mutex
	steps []step
}

func (r *recorder) add(server bool, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.steps); n > 0 && r.steps[n-1].server == server {
		r.steps[n-1].data = append(r.steps[n-1].data, p...)
		return
	}
	r.steps = append(r.steps, step{server, bytes.Clone(p)})
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.add(true, p[:n])
	return n, err
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	r.add(false, p[:n])
	return n, err
}

// replay serves steps on one end of a pipe and returns the other. On a
// client step it reads what the client sends in place of the recorded
// bytes, as framed by unit; after the last step it reads until the
// client closes. The server goroutine ends when the client end is closed.
func replay(steps []step, unit func(r *bufio.Reader, recorded []byte) error) net.Conn {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		r := bufio.NewReader(server)
		for _, s := range steps {
			var err error
			if s.server {
				_, err = server.Write(s.data)
			} else {
				err = unit(r, s.data)
			}
			if err != nil {
				return
			}
		}
		r.WriteTo(discard{})
	}()
	return client
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
