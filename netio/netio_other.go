//go:build !linux

package netio

import "time"

type impl struct{}
type batchImpl struct{}

func (b *Batch) init() {}

func listen(string, Config) (*Conn, error)       { return nil, ErrNotSupported }
func (impl) setReadDeadline(time.Time) error     { return ErrNotSupported }
func (impl) readBatch(*Batch) (int, error)       { return 0, ErrNotSupported }
func (impl) writeBatch(*Batch, int) (int, error) { return 0, ErrNotSupported }
func (impl) stats() (Stats, error)               { return Stats{}, ErrNotSupported }
func (impl) close() error                        { return ErrNotSupported }

func available() error { return ErrNotSupported }
