package servicetest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Transcripts are conversations captured from real servers, stored in
// testdata/ and replayed by a fake server. A file holds comment lines
// ("# ...") and one step a line: "S" or "C" (server or client sent it)
// and the bytes as a Go-quoted string.

// Step is what one side sent before the other spoke.
type Step struct {
	Server bool // the server sent it, else the client
	Data   []byte
}

// ReadTranscript reads the transcript at path.
func ReadTranscript(t testing.TB, path string) []Step {
	t.Helper()
	return readSteps(t, path, "a quoted string", strconv.Unquote)
}

// ReadHexTranscript reads a transcript of a binary protocol, whose
// steps hold the bytes in hex in place of a quoted string.
func ReadHexTranscript(t testing.TB, path string) []Step {
	t.Helper()
	return readSteps(t, path, "hex", func(h string) (string, error) {
		b, err := hex.DecodeString(h)
		return string(b), err
	})
}

func readSteps(t testing.TB, path, format string, decode func(string) (string, error)) []Step {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var steps []Step
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		dir, encoded, ok := strings.Cut(line, " ")
		data, err := decode(encoded)
		if !ok || (dir != "S" && dir != "C") || err != nil {
			t.Fatalf("%s:%d: want S or C and %s", path, i+1, format)
		}
		steps = append(steps, Step{dir == "S", []byte(data)})
	}
	return steps
}

// WriteTranscript writes steps to path, after comment.
func WriteTranscript(t testing.TB, path, comment string, steps []Step) {
	t.Helper()
	writeSteps(t, path, comment, steps, func(b []byte) string { return strconv.Quote(string(b)) })
}

// WriteHexTranscript writes steps to path, after comment, in hex, for
// ReadHexTranscript.
func WriteHexTranscript(t testing.TB, path, comment string, steps []Step) {
	t.Helper()
	writeSteps(t, path, comment, steps, hex.EncodeToString)
}

func writeSteps(t testing.TB, path, comment string, steps []Step, encode func([]byte) string) {
	t.Helper()
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(comment), "\n") {
		fmt.Fprintf(&b, "# %s\n", l)
	}
	for _, s := range steps {
		dir := "C"
		if s.Server {
			dir = "S"
		}
		fmt.Fprintf(&b, "%s %s\n", dir, encode(s.Data))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ServerBytes is everything the server sent in steps, in order.
func ServerBytes(steps []Step) []byte {
	var b []byte
	for _, s := range steps {
		if s.Server {
			b = append(b, s.Data...)
		}
	}
	return b
}

// Script builds steps from lines that start with "S " or "C ".
func Script(lines ...string) []Step {
	var steps []Step
	for _, l := range lines {
		steps = append(steps, Step{Server: l[0] == 'S', Data: []byte(l[2:])})
	}
	return steps
}

// Recorder is a net.Conn that keeps what went each way, in order. It is
// safe for concurrent use.
type Recorder struct {
	net.Conn
	mu    sync.Mutex
	steps []Step
}

func (r *Recorder) add(server bool, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.steps); n > 0 && r.steps[n-1].Server == server {
		r.steps[n-1].Data = append(r.steps[n-1].Data, p...)
		return
	}
	r.steps = append(r.steps, Step{server, bytes.Clone(p)})
}

func (r *Recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.add(true, p[:n])
	return n, err
}

func (r *Recorder) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	r.add(false, p[:n])
	return n, err
}

// Steps returns what was recorded so far.
func (r *Recorder) Steps() []Step {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.steps)
}

// Unit reads what the client sends in place of a recorded client step,
// for Replay.
type Unit func(r *bufio.Reader, recorded []byte) error

// Replay serves steps on one end of a pipe, as Replayer does, and
// returns the other. The server goroutine ends when the client end is
// closed.
func Replay(steps []Step, unit Unit) net.Conn {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		Replayer(steps, unit)(server)
	}()
	return client
}

// Replayer returns a server that plays steps on its connection: on a
// client step it reads what the client sends in place of the recorded
// bytes, as framed by unit; after the last step it reads until the
// client closes. It leaves closing the connection to its caller.
func Replayer(steps []Step, unit Unit) func(net.Conn) {
	return func(c net.Conn) {
		r := bufio.NewReader(c)
		for _, s := range steps {
			var err error
			if s.Server {
				_, err = c.Write(s.Data)
			} else {
				err = unit(r, s.Data)
			}
			if err != nil {
				return
			}
		}
		r.WriteTo(discard{})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// CommandLines is a Unit for line-based protocols: it reads the client's
// command lines in place of a recorded client step and checks they are
// the recorded ones.
func CommandLines(t *testing.T) Unit {
	return commands(t, func(got, want string) bool { return got == want })
}

// CommandVerbs is CommandLines checking the verbs only, for commands
// whose arguments change from one run to the next (SMTP's EHLO gives the
// client's address).
func CommandVerbs(t *testing.T) Unit {
	return commands(t, func(got, want string) bool {
		g, w := strings.Fields(got), strings.Fields(want)
		return len(g) > 0 && g[0] == w[0]
	})
}

func commands(t *testing.T, same func(got, want string) bool) Unit {
	return func(r *bufio.Reader, recorded []byte) error {
		for _, want := range strings.SplitAfter(string(recorded), "\n") {
			if want == "" {
				continue
			}
			got, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if !same(got, want) {
				t.Errorf("client sent %q, want %q", got, want)
			}
		}
		return nil
	}
}

// Exact is a Unit for binary protocols whose client steps are the same
// in every run: the client must send the recorded bytes, or hang up (a
// handshake may end the conversation before the capture did).
func Exact(t *testing.T) Unit {
	return func(r *bufio.Reader, recorded []byte) error {
		got := make([]byte, len(recorded))
		n, err := io.ReadFull(r, got)
		switch {
		case n == 0 && err == io.EOF:
			return err
		case err != nil:
			t.Errorf("client sent %q, then %v; want %q", got, err, recorded)
			return err
		case !bytes.Equal(got, recorded):
			t.Errorf("client sent %q, want %q", got, recorded)
			return errMismatch
		}
		return nil
	}
}

var errMismatch = errors.New("client sent other bytes than recorded")

// Messages is a Unit for binary protocols whose client steps change from
// one run to the next: it reads one message, framed by read, in place of
// a recorded client step, whatever it holds.
func Messages(read func(io.Reader) ([]byte, error)) Unit {
	return func(r *bufio.Reader, _ []byte) error {
		_, err := read(r)
		return err
	}
}

// ReadHex reads a capture in testdata/: "#" lines are comments, the rest
// hex.
func ReadHex(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var h strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "#") {
			h.WriteString(strings.Join(strings.Fields(line), ""))
		}
	}
	b, err := hex.DecodeString(h.String())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}
