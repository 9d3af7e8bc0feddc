package main

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// openSet is a set of open TCP ports, keyed by address and port.
type openSet map[netip.AddrPort]bool

// xmlHost is the part of an Nmap -oX host element the benchmark reads.
type xmlHost struct {
	Addresses []struct {
		Addr     string `xml:"addr,attr"`
		AddrType string `xml:"addrtype,attr"`
	} `xml:"address"`
	Ports []struct {
		Protocol string `xml:"protocol,attr"`
		PortID   uint16 `xml:"portid,attr"`
		State    struct {
			State string `xml:"state,attr"`
		} `xml:"state"`
		Service struct {
			Name    string `xml:"name,attr"`
			Product string `xml:"product,attr"`
			Version string `xml:"version,attr"`
		} `xml:"service"`
	} `xml:"ports>port"`
}

// xmlScript is picket's completeness report, a postscript script whose
// elem children carry its counters.
type xmlScript struct {
	ID    string `xml:"id,attr"`
	Elems []struct {
		Key   string `xml:"key,attr"`
		Value string `xml:",chardata"`
	} `xml:"elem"`
}

// scanStats are the counters picket writes into its XML.
type scanStats struct {
	probesSent, retransmissions uint64
}

// parseXML reads the open TCP ports of an Nmap-format XML file, host by
// host, so a /16's worth of hosts is never held as one document.
func parseXML(path string) (openSet, scanStats, error) {
	found := openSet{}
	var st scanStats
	err := eachElement(path, func(dec *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "host":
			var h xmlHost
			if err := dec.DecodeElement(&h, &se); err != nil {
				return err
			}
			addHost(found, h)
		case "script":
			var s xmlScript
			if err := dec.DecodeElement(&s, &se); err != nil {
				return err
			}
			if s.ID == "picket-completeness" {
				st = completeness(s)
			}
		}
		return nil
	})
	return found, st, err
}

// eachElement streams an XML file and calls fn on every start element; fn
// may decode the element whole.
func eachElement(path string, fn func(dec *xml.Decoder, se xml.StartElement) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := xml.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := fn(dec, se); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
	}
}

func addHost(found openSet, h xmlHost) {
	var addr netip.Addr
	for _, a := range h.Addresses {
		if a.AddrType == "ipv4" || a.AddrType == "ipv6" {
			addr, _ = netip.ParseAddr(a.Addr)
		}
	}
	for _, p := range h.Ports {
		if p.Protocol == "tcp" && p.State.State == "open" {
			found[netip.AddrPortFrom(addr, p.PortID)] = true
		}
	}
}

func completeness(s xmlScript) scanStats {
	var st scanStats
	for _, e := range s.Elems {
		n, _ := strconv.ParseUint(strings.TrimSpace(e.Value), 10, 64)
		switch e.Key {
		case "probes_sent":
			st.probesSent = n
		case "retransmissions":
			st.retransmissions = n
		}
	}
	return st
}

// parseList reads masscan's -oL file: "open tcp PORT ADDR TIMESTAMP".
func parseList(path string) (openSet, scanStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, scanStats{}, err
	}
	defer f.Close()
	found := openSet{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[0] != "open" || fields[1] != "tcp" {
			continue
		}
		port, err := strconv.ParseUint(fields[2], 10, 16)
		if err != nil {
			return found, scanStats{}, fmt.Errorf("%s: port %q", path, fields[2])
		}
		addr, err := netip.ParseAddr(fields[3])
		if err != nil {
			return found, scanStats{}, fmt.Errorf("%s: %w", path, err)
		}
		found[netip.AddrPortFrom(addr, uint16(port))] = true
	}
	return found, scanStats{}, sc.Err()
}

// nmapDiscovered and nmapProgress read what nmap -v printed before it was
// stopped: the open ports it found and how far it got.
var (
	nmapDiscovered = regexp.MustCompile(`Discovered open port (\d+)/tcp on (\S+)`)
	nmapProgress   = regexp.MustCompile(`About ([0-9.]+)% done`)
)

// parseNmapStdout is the fallback for a killed nmap, whose XML has no
// host element yet.
func parseNmapStdout(out string) (openSet, string) {
	found := openSet{}
	for _, m := range nmapDiscovered.FindAllStringSubmatch(out, -1) {
		port, err1 := strconv.ParseUint(m[1], 10, 16)
		addr, err2 := netip.ParseAddr(m[2])
		if err1 == nil && err2 == nil {
			found[netip.AddrPortFrom(addr, uint16(port))] = true
		}
	}
	progress := ""
	if all := nmapProgress.FindAllStringSubmatch(out, -1); len(all) > 0 {
		progress = all[len(all)-1][1] + "% done"
	}
	return found, progress
}
