package telnet

// Transcripts are conversations captured from real servers or written by
// hand from the protocol's specification, stored in testdata/: comment
// lines ("# ...") say where they come from, then one step a line, "S" or
// "C" (server or client sent it) and the bytes as a Go-quoted string.

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/picket-scanner/picket/service"
)

type step struct {
	server bool
	data   []byte
}

func readTranscript(t testing.TB, name string) []step {
	t.Helper()
	path := filepath.Join("testdata", name)
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

// serverBytes is everything the server sent in a transcript, in order.
func serverBytes(steps []step) []byte {
	var b []byte
	for _, s := range steps {
		if s.server {
			b = append(b, s.data...)
		}
	}
	return b
}

// replay runs h against a fake server playing the transcript over
// net.Pipe, inside a synctest bubble so that waits cost no real time. For
// a server-first protocol the first server step is handed to Run as the
// banner, as the engine does. The client must send exactly the recorded
// bytes, or hang up: a handshake may end the conversation before the
// capture did. After the last step the server stays silent until the
// client hangs up.
func replay(t *testing.T, h service.Handshake, steps []step) (m service.Match, err error) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		var banner []byte
		if h.ServerFirst && len(steps) > 0 && steps[0].server {
			banner, steps = steps[0].data, steps[1:]
		}
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer server.Close()
			for _, s := range steps {
				if s.server {
					if _, err := server.Write(s.data); err != nil {
						return
					}
					continue
				}
				got := make([]byte, len(s.data))
				if n, err := io.ReadFull(server, got); n == 0 && err == io.EOF {
					return
				} else if err != nil {
					t.Errorf("client sent %q, then %v; want %q", got, err, s.data)
					return
				}
				if !bytes.Equal(got, s.data) {
					t.Errorf("client sent %q, want %q", got, s.data)
					return
				}
			}
			io.Copy(io.Discard, server)
		}()
		m, err = h.Run(context.Background(), client, banner)
		client.Close()
		<-done
	})
	return m, err
}
