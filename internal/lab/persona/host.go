package persona

// Stats counts a host's frames. It is a plain value.
type Stats struct {
	Received uint64 // frames read from the device
	Sent     uint64 // replies written
	Errors   uint64 // replies the device refused
}
