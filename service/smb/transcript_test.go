package smb

// Transcripts are conversations captured from real servers, stored in
// testdata/ and replayed by fake servers. A file holds comment lines
// ("# ...") and one message a line: "C" or "S" (client or server sent
// it) and the bytes in hex.

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
)

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
		dir, h, ok := strings.Cut(line, " ")
		data, err := hex.DecodeString(h)
		if !ok || (dir != "S" && dir != "C") || err != nil {
			t.Fatalf("%s:%d: want C or S and hex", path, i+1)
		}
		steps = append(steps, step{dir == "S", data})
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
		fmt.Fprintf(&b, "%s %x\n", dir, s.data)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// serverMessages returns the server's messages of a transcript, without
// their NetBIOS headers.
func serverMessages(steps []step) [][]byte {
	var out [][]byte
	for _, s := range steps {
		if s.server && len(s.data) >= 4 {
			out = append(out, s.data[4:])
		}
	}
	return out
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

// readFrame reads one NetBIOS-framed message from r.
func readFrame(r io.Reader) ([]byte, error) {
	h := make([]byte, 4)
	if _, err := io.ReadFull(r, h); err != nil {
		return nil, err
	}
	n := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	msg := make([]byte, n)
	_, err := io.ReadFull(r, msg)
	return append(h, msg...), err
}

// replayer answers each request framed on c with the transcript's next
// server message, then reads until the client closes.
func replayer(steps []step) func(c net.Conn) {
	return func(c net.Conn) {
		for _, s := range steps {
			var err error
			if s.server {
				_, err = c.Write(s.data)
			} else {
				_, err = readFrame(c)
			}
			if err != nil {
				return
			}
		}
		io.Copy(io.Discard, c)
	}
}
