package service

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func TestReadAtMost(t *testing.T) {
	tests := []struct {
		name   string
		send   []string // written by the peer, then it closes unless hold
		hold   bool
		max    int
		done   func([]byte) bool
		want   string
		errIs  error
		within time.Duration
	}{
		{name: "line", send: []string{"SSH-2.0-x\r\n", "more"}, max: 100, done: Line, want: "SSH-2.0-x\r\n"},
		{name: "bounded", send: []string{"0123456789"}, max: 4, want: "0123"},
		{name: "closed after data", send: []string{"220 hi"}, max: 100, want: "220 hi"},
		{name: "closed silent", max: 100, errIs: io.ErrUnexpectedEOF},
		{name: "slow speaker is cut at the deadline", send: []string{"x"}, hold: true, max: 100, want: "x", within: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			go func() {
				for _, s := range tt.send {
					b.Write([]byte(s))
				}
				if !tt.hold {
					b.Close()
				}
			}()
			start := time.Now()
			got, err := ReadAtMost(a, tt.max, time.Now().Add(200*time.Millisecond), tt.done)
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("err %v, want %v", err, tt.errIs)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			if tt.within > 0 && time.Since(start) > tt.within {
				t.Errorf("took %v", time.Since(start))
			}
			b.Close()
		})
	}
}
