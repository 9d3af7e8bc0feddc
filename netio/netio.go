// Package netio sends and receives raw link-layer frames on one network
// interface: the I/O beneath picket's packet engine. On Linux it is an
// AF_PACKET socket on the runtime poller, with a classic BPF filter attached
// before bind so the kernel drops what is not ours, and batched sends and
// reads (sendmmsg, recvmmsg) so no system call is spent per packet.
//
// Elsewhere Listen returns ErrNotSupported and picket falls back to connect
// scans, as Nmap does without privileges.
//
// A Conn is safe for concurrent use by one reader and one writer at a time.
package netio

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/net/bpf"
)

// ErrNotSupported is returned where raw frames cannot be sent on this
// operating system.
var ErrNotSupported = errors.New("netio: raw packet I/O is not supported on this system")

// ErrPermission is returned when the process may not open raw sockets; it
// matches os.ErrPermission with errors.Is.
var ErrPermission = fmt.Errorf("netio: raw sockets need root or the cap_net_raw capability: %w", os.ErrPermission)

// LinkType says what a frame read from or written to a Conn starts with.
type LinkType uint8

// Link types.
const (
	LinkEthernet LinkType = iota + 1 // an Ethernet II header
	LinkNone                         // a bare IP packet (tun devices)
)

// Config tunes a Conn. The zero value is usable.
type Config struct {
	// Filter is a classic BPF program; only frames it accepts are
	// received. It is attached before the socket is bound, so no frame
	// slips through unfiltered. Nil receives every frame.
	Filter []bpf.Instruction
	// ReadBuffer is the kernel's receive buffer in bytes; 0 means 32 MiB,
	// enough to ride out a burst of replies at a million packets per
	// second while the reader is descheduled.
	ReadBuffer int
	// WriteBuffer is the kernel's send buffer in bytes; 0 means 4 MiB.
	WriteBuffer int
}

// Stats are the kernel's counters for a Conn since the last call.
type Stats struct {
	Received uint64 // frames that passed the filter
	Dropped  uint64 // frames that passed the filter but found the buffer full
}

// Conn is a raw socket bound to one interface.
type Conn struct {
	impl
	Link  LinkType
	Index int // interface index
}

// Listen opens a raw socket on the named interface.
func Listen(ifname string, cfg Config) (*Conn, error) {
	return listen(ifname, cfg)
}

// Batch is a reusable set of buffers for ReadBatch and WriteBatch. Its
// buffers are allocated once; reusing a Batch allocates nothing.
type Batch struct {
	// Bufs are the frames. ReadBatch reads into each buffer's full
	// capacity and leaves Bufs[i] sliced to the frame read; WriteBatch
	// sends each Bufs[i] as it is sliced.
	Bufs [][]byte
	N    []int // frame lengths after ReadBatch
	batchImpl
}

// NewBatch returns a Batch of n frames of up to size bytes each.
func NewBatch(n, size int) *Batch {
	b := &Batch{Bufs: make([][]byte, n), N: make([]int, n)}
	mem := make([]byte, n*size)
	for i := range b.Bufs {
		b.Bufs[i] = mem[i*size : (i+1)*size : (i+1)*size]
	}
	b.init()
	return b
}

// SetReadDeadline bounds ReadBatch; the zero time means no deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.setReadDeadline(t) }

// ReadBatch reads at least one frame, and as many more as are waiting, into
// b; it returns how many. It blocks until a frame arrives, the deadline
// passes (an error matching os.ErrDeadlineExceeded) or the Conn is closed.
func (c *Conn) ReadBatch(b *Batch) (int, error) { return c.readBatch(b) }

// WriteBatch sends frames frames[:n] and returns how many the kernel took.
// The frames must be complete link-layer frames for c.Link.
func (c *Conn) WriteBatch(b *Batch, n int) (int, error) { return c.writeBatch(b, n) }

// Stats returns the kernel's counters since the last call.
func (c *Conn) Stats() (Stats, error) { return c.stats() }

// Close closes the socket; a blocked ReadBatch returns.
func (c *Conn) Close() error { return c.close() }

// Available reports whether this process may open raw sockets: nil, or
// ErrPermission or ErrNotSupported. It opens one and closes it at once.
func Available() error { return available() }
