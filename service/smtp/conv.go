package smtp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/picket-scanner/picket/service"
)

// conv is a command and reply exchange on a connection. Replies are read
// into buf, which keeps what follows a reply for the next one. It is not
// safe for concurrent use.
type conv struct {
	c   net.Conn
	ctx context.Context
	buf []byte
}

var (
	errTooLong   = errors.New("smtp: reply longer than service.MaxResponse")
	errMalformed = errors.New("smtp: malformed reply")
)

// quitWait bounds the wait for the reply to QUIT: it is read only so as
// to leave the way the protocol asks, never worth a step's timeout.
const quitWait = 500 * time.Millisecond

// newConv starts an exchange with what the engine has already read; the
// banner is copied, not kept.
func newConv(ctx context.Context, c net.Conn, banner []byte) *conv {
	return &conv{c: c, ctx: ctx, buf: bytes.Clone(banner)}
}

func (v *conv) send(cmd string) error {
	if err := v.ctx.Err(); err != nil {
		return err
	}
	if err := v.c.SetWriteDeadline(service.Deadline(v.ctx)); err != nil {
		return err
	}
	defer v.c.SetWriteDeadline(time.Time{})
	_, err := io.WriteString(v.c, cmd+"\r\n")
	return err
}

// read returns the next whole reply. complete reports the length of the
// reply at the start of b: 0 while it is incomplete, -1 if b cannot start
// one.
func (v *conv) read(deadline time.Time, complete func([]byte) int) ([]byte, error) {
	for {
		switch n := complete(v.buf); {
		case n < 0:
			return nil, errMalformed
		case n > 0:
			r := v.buf[:n:n]
			v.buf = v.buf[n:]
			return r, nil
		}
		if len(v.buf) >= service.MaxResponse {
			return nil, errTooLong
		}
		if err := v.ctx.Err(); err != nil {
			return nil, err
		}
		b, err := service.ReadAtMost(v.c, service.MaxResponse-len(v.buf), deadline, hasLineEnd)
		if err != nil {
			return nil, err
		}
		v.buf = append(v.buf, b...)
	}
}

// quit says goodbye and waits briefly for the answer.
func (v *conv) quit() {
	if v.send("QUIT") != nil {
		return
	}
	deadline := service.Deadline(v.ctx)
	if soon := time.Now().Add(quitWait); soon.Before(deadline) {
		deadline = soon
	}
	v.read(deadline, replyLen)
}

func hasLineEnd(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }

// watch makes a cancelled ctx end any read or write in progress on c.
// The returned function stops watching.
func watch(ctx context.Context, c net.Conn) func() bool {
	return context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
}
