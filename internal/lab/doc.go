// Package lab builds test networks out of Linux network namespaces, so that
// picket can be proven on a network and benchmarked beside Nmap and masscan
// without a packet ever leaving the machine.
//
// A Lab has one scanner namespace and any number of target namespaces. Each
// target is joined to the scanner by its own link: a veth pair, or a pair of
// TAP devices with a userspace link emulator between them for delay, jitter,
// loss and a bandwidth cap (the kernel's netem is absent on the machines
// picket is built on). The scanner namespace has no default route, only the
// lab's subnets, so nothing it sends can leave the lab.
//
// Addresses come from 198.18.0.0/15 and fd00::/8, reserved for benchmarking
// and local use. Target i (counting from 0) sits on 198.18.i.0/24 and
// fd00:0:0:i::/64: the scanner is .1 there and the target .2, with any
// extra addresses from .3 on.
//
// A target may sit behind routers (TargetConfig.Hops: namespaces that
// forward and send time-exceeded, for traceroute), and its kernel may be
// replaced by a persona (TargetConfig.Persona): a userspace host on a TAP
// device that answers like another TCP/IP stack, such as Windows, FreeBSD
// or an embedded one (package persona), for OS detection.
//
// Targets carry firewall rules (iptables inside their namespace), Go
// listeners with chosen behaviours, and real daemons from Debian packages
// started without systemd. Everything is torn down by Close; namespaces left
// behind by a test process that died are swept when the next lab starts.
//
// A Lab is safe for concurrent use once New returns; building it is not.
package lab
