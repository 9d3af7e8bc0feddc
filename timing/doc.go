// Package timing decides when picket's packet engines may send: Nmap's
// timing templates and options, round-trip estimates and probe timeouts,
// congestion windows per host and per scan group, rate pacing for
// --min-rate and --max-rate, retransmission caps, scan delays and target
// rate-limit detection. It is pure logic: no I/O, no goroutines, and no
// reading of the clock. Every method that depends on time takes the
// engine's now, read once per batch from a Clock, so tests and simulations
// drive time by hand (FakeClock).
//
// # Templates and options
//
// T0 to T5 carry Nmap's numbers; Template.Apply merges the user's Options
// with Nmap's interactions and returns Params, or an *OptionError that
// names the flag and what it accepts.
//
// # Driving a Group
//
// An engine keeps one Group per scan group and embeds a Host in its state
// for each target, then loops:
//
//	now := clock.Now()
//	n := max(group.Room(host, now), pacer.Owed(now)) // windows, or --min-rate's due
//	n = pacer.Take(now, n)                           // --max-rate
//	// send n probes (retransmissions first), calling group.OnSend for each
//	// on an answer:  group.OnReply(host, probe, now)
//	// after group.Timeout(host) without one:  group.OnTimeout(host, probe, now),
//	// then retransmit if the try is below group.AllowedTry(host)
//
// and sleeps until the earliest of the next timeout, Group.NextSend,
// Pacer.Next and Pacer.Due.
//
// # Congestion, not loss
//
// Nmap's ultra_scan reads every drop (an answer to a retransmission, which
// proves the first try was lost) as congestion: the host's window falls to
// one probe and the group's is halved. On a path with a steady 2% of
// random loss that happens every few round trips and the scan crawls; in
// simulation (sim_test.go: 20 ms RTT, -T4, window ceiling 300) Nmap's rule
// averages a window of about 22 and 1,000 answers/s. Mode Nmap keeps that
// reaction, with Nmap's arithmetic, for comparisons and for users who want
// it. Not modelled: Nmap's timing-ping scheduling, its one-second pause
// before the first retransmission of each new try number, and hosts
// borrowing the group's window. Mode Picket, used by the raw
// engine, backs off only on congestion, that is on loss or delay that rises
// with the send rate:
//
//   - Send epochs. Sends are grouped into epochs of about a round trip,
//     each with a known send rate. Outcomes are booked to the epoch the
//     probe was sent in: an answer to it, or, from an answer to a later
//     try, proof that it was lost.
//   - A loss baseline by rate. Once an epoch's losses are all known (a
//     timeout plus two round trips after it ends) it is added to a table
//     of loss by send rate, in quarter octaves. An epoch is congested when
//     its drops exceed what the loss at lower rates explains by three
//     standard deviations (binomial). Random loss is the same at every
//     rate, so it becomes the baseline; loss above a capacity appears only
//     above it. The baseline takes the lowest-rate samples available, is
//     at least 1% and at most 25% (beyond that the path is treated as
//     congested).
//   - Early verdict. An epoch whose drops exceed that limit even if all its
//     other probes were answered is judged at once: a burst.
//   - Queueing. Each epoch's round trips above each host's least are
//     compared with those at lower rates; a rise of more than a quarter of
//     the round trip (at least 2 ms) is a queue building, judged two round
//     trips after the epoch, before anything is dropped. Steady jitter is
//     there at every rate and does not count.
//   - Reaction. A congested epoch cuts the window by the template's
//     divisor (1.5; 4/3 at -T4; 5/4 at -T5) from the window in force when
//     that epoch was sent, at most once per epoch sent after the last cut.
//     The cut-from window is remembered as the knee: near it the window
//     grows only as fast as an overshoot can be detected. Sends are paced
//     at 1.25 times window/srtt (2 in slow start) so that a window does not
//     leave in one clump and overflow a shallow queue or a policer.
//   - Scan delay. Nmap's boost when more than 30% (40% at -T4 and -T5) of
//     more than 10 outcomes are drops is kept; its boost when a fourth or
//     fifth try is first answered is not, since enough ports under random
//     loss always need one; and a boosted delay halves again once drops
//     fall well below the boost fraction.
//
// The same simulations (10 s each, second half measured, all in
// sim_test.go): with 2% random loss Picket holds the window at its ceiling
// of 300 (13,600 answers/s; 10,900/s with 10 ms of jitter, whose mean is a
// quarter of the RTT). Against a 5,000 probes/s bottleneck it answers
// 4,800-5,000/s: 2.3% loss behind a 25-packet tail-drop queue, 1.9% at a
// policer 50 packets deep, 3.0% when 2% random loss comes on top, and no
// loss with 4 ms of queueing where a 1,000-packet queue allowed 200 ms.
// Over an exploratory grid (not kept as a test: it runs for half a minute)
// of -T3 to -T5, 5 and 20 ms round trips, 0-5% random loss, and no
// bottleneck or 3,000 or 20,000 probes/s behind those queues, Picket's
// median is 82% of what the window ceiling allows without a bottleneck and
// 97% of capacity with one, with a median of 0.3% loss above the random
// loss (90th percentile 2.3%, worst 7.5%: -T5 at a policer 5 ms away);
// Nmap's rule reaches 6% and 26%.
//
// # Safety
//
// Group, Host, RTT, Pacer, Retries, ScanDelay and RateLimit are not safe
// for concurrent use: one scheduler goroutine owns them. Template, Params
// and Options are values. SystemClock and FakeClock are safe for
// concurrent use.
package timing
