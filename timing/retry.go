package timing

// Retries is Nmap's adaptive retransmission cap for one host. Try numbers
// count from 0 (the first transmission). A host may be sent tries up to
// Allowed: one more than the highest try that ever got an answer, at least
// 1, at most --max-retries. On a clean network no reply ever needs a
// retransmission, so each unanswered probe is retried once and no more.
// A Retries is a value; it is not safe for concurrent use.
type Retries struct {
	max  int
	best int // highest try number that got an answer
}

// NewRetries returns the cap for a host under --max-retries maxRetries.
func NewRetries(maxRetries int) Retries { return Retries{max: max(maxRetries, 0)} }

// Answered records a reply to a probe's try number and reports whether it
// was the highest yet (Nmap logs such a rise as a packet drop).
func (r *Retries) Answered(try int) bool {
	if try <= r.best {
		return false
	}
	r.best = try
	return true
}

// Allowed is the highest try number that may be sent now.
func (r Retries) Allowed() int { return min(max(1, r.best+1), r.max) }

// Capped reports whether the evidence would allow more tries than
// --max-retries: Nmap warns that results may be incomplete.
func (r Retries) Capped() bool { return max(1, r.best+1) > r.max }

// Best is the highest try number that got an answer.
func (r Retries) Best() int { return r.best }

// Max is the --max-retries bound.
func (r Retries) Max() int { return r.max }
