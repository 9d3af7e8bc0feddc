package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Errors of Conversation.Read, wrapped in the protocol's name ("ftp:
// malformed reply").
var (
	// ErrTooLong says a reply went on past MaxResponse.
	ErrTooLong = errors.New("reply longer than service.MaxResponse")
	// ErrMalformed says what the server sent cannot start a reply.
	ErrMalformed = errors.New("malformed reply")
)

// quitWait bounds the wait for the reply to a goodbye: it is read only so
// as to leave the way the protocol asks, never worth a step's timeout.
const quitWait = 500 * time.Millisecond

// Conversation is a command and reply exchange in a line-based text
// protocol (FTP, SMTP, POP3, IMAP). Replies are read into a buffer that
// keeps what follows a reply for the next one. A Conversation is not safe
// for concurrent use.
type Conversation struct {
	ctx   context.Context
	c     net.Conn
	proto string
	buf   []byte
}

// NewConversation starts an exchange on c in protocol proto, whose name
// prefixes the errors, with banner, what the engine has already read. The
// banner is copied, not kept.
func NewConversation(ctx context.Context, c net.Conn, proto string, banner []byte) *Conversation {
	return &Conversation{ctx: ctx, c: c, proto: proto, buf: bytes.Clone(banner)}
}

// Send writes cmd and a line end.
func (v *Conversation) Send(cmd string) error {
	return Send(v.ctx, v.c, []byte(cmd+"\r\n"))
}

// Read returns the next whole reply, waiting for it a step at most.
// complete reports the length of the reply at the start of b: 0 while it
// is incomplete, -1 if b cannot start one (ErrMalformed).
func (v *Conversation) Read(complete func([]byte) int) ([]byte, error) {
	return v.read(Deadline(v.ctx), complete)
}

func (v *Conversation) read(deadline time.Time, complete func([]byte) int) ([]byte, error) {
	for {
		switch n := complete(v.buf); {
		case n < 0:
			return nil, fmt.Errorf("%s: %w", v.proto, ErrMalformed)
		case n > 0:
			r := v.buf[:n:n]
			v.buf = v.buf[n:]
			return r, nil
		}
		if len(v.buf) >= MaxResponse {
			return nil, fmt.Errorf("%s: %w", v.proto, ErrTooLong)
		}
		if err := v.ctx.Err(); err != nil {
			return nil, err
		}
		b, err := ReadAtMost(v.c, MaxResponse-len(v.buf), deadline, hasLineEnd)
		if err != nil {
			return nil, err
		}
		v.buf = append(v.buf, b...)
	}
}

// Quit says goodbye with cmd ("QUIT", "z LOGOUT") and waits briefly for
// the reply complete delimits.
func (v *Conversation) Quit(cmd string, complete func([]byte) int) {
	if v.Send(cmd) != nil {
		return
	}
	deadline := Deadline(v.ctx)
	if soon := time.Now().Add(quitWait); soon.Before(deadline) {
		deadline = soon
	}
	v.read(deadline, complete)
}

// ReadCodeReply reads the next reply of a protocol that answers in FTP's
// reply format. A reply that is not in it means the protocol is another:
// ErrNoMatch.
func (v *Conversation) ReadCodeReply() (CodeReply, error) {
	b, err := v.Read(CodeReplyLen)
	if errors.Is(err, ErrMalformed) {
		return CodeReply{}, ErrNoMatch
	}
	if err != nil {
		return CodeReply{}, err
	}
	r, _ := ParseCodeReply(b)
	return r, nil
}

// CodeCommand sends cmd and reads its reply in FTP's reply format, as
// ReadCodeReply does.
func (v *Conversation) CodeCommand(cmd string) (CodeReply, error) {
	if err := v.Send(cmd); err != nil {
		return CodeReply{}, err
	}
	return v.ReadCodeReply()
}

func hasLineEnd(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }

// Send writes p to c within a step's deadline, unless ctx is done.
func Send(ctx context.Context, c net.Conn, p []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.SetWriteDeadline(Deadline(ctx)); err != nil {
		return err
	}
	defer c.SetWriteDeadline(time.Time{})
	_, err := c.Write(p)
	return err
}

// Watch makes a cancelled ctx end any read or write in progress on c. The
// returned function stops watching.
func Watch(ctx context.Context, c net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
}
