package smb

// Transcripts are conversations captured from real servers, stored in
// testdata/ in hex (servicetest.ReadHexTranscript) and replayed by fake
// servers.

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// serverMessages returns the server's messages of a transcript, without
// their NetBIOS headers.
func serverMessages(steps []servicetest.Step) [][]byte {
	var out [][]byte
	for _, s := range steps {
		if s.Server && len(s.Data) >= 4 {
			out = append(out, s.Data[4:])
		}
	}
	return out
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
func replayer(steps []servicetest.Step) func(c net.Conn) {
	return servicetest.Replayer(steps, servicetest.Messages(readFrame))
}

// runReplay runs the handshake against a transcript replayed over a pipe.
func runReplay(t *testing.T, steps []servicetest.Step) (service.Match, error) {
	t.Helper()
	return servicetest.WithDeadline(t, Handshake.Run, 10*time.Second, replayer(steps))
}
