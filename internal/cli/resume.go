package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"strings"
)

// resumeState is what an interrupted run's output says: its command line
// and the hosts it finished.
type resumeState struct {
	args []string
	done map[netip.Addr]bool
}

var (
	// "# picket 0.1 scan initiated Sat Nov 28 01:02:03 2026 as: picket -sS ..."
	commentArgs = regexp.MustCompile(`^# \S+ \S+ scan initiated .* as: (.*)$`)
	normalHost  = regexp.MustCompile(`^\S+ scan report for (?:.* \(([^()\s]+)\)|(\S+))$`)
	grepHost    = regexp.MustCompile(`^Host: (\S+) `)
	xmlAddr     = regexp.MustCompile(`<address addr="([^"]+)" addrtype="ipv[46]"`)
	xmlArgs     = regexp.MustCompile(`<nmaprun [^>]*args="([^"]*)"`)
)

// readResume reads an output file of an interrupted run, in any of
// picket's formats: normal (-oN), XML, grepable or JSON Lines.
func readResume(path string) (*resumeState, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	st := &resumeState{done: map[netip.Addr]bool{}}
	var cmdline string
	switch {
	case bytes.Contains(data[:min(len(data), 512)], []byte("<nmaprun")):
		m := xmlArgs.FindSubmatch(data)
		if m == nil {
			return nil, fmt.Errorf("--resume %s: no command line in the XML", path)
		}
		cmdline = xmlUnescape(string(m[1]))
		for _, m := range xmlAddr.FindAllSubmatch(data, -1) {
			st.add(string(m[1]))
		}
	case bytes.HasPrefix(data, []byte("{")):
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var rec struct{ Type, Args, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				continue // a line cut short by a crash
			}
			switch rec.Type {
			case "run_start":
				cmdline = rec.Args
			case "host":
				st.add(rec.Addr)
			}
		}
	default:
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := sc.Text()
			if m := commentArgs.FindStringSubmatch(line); m != nil && cmdline == "" {
				cmdline = m[1]
			} else if m := grepHost.FindStringSubmatch(line); m != nil {
				st.add(m[1])
			} else if m := normalHost.FindStringSubmatch(line); m != nil {
				st.add(m[1] + m[2])
			}
		}
	}
	fields := strings.Fields(cmdline)
	if len(fields) < 2 {
		return nil, fmt.Errorf("--resume %s: no command line found: give a normal (-oN), XML, grepable or JSON output of picket", path)
	}
	st.args = fields[1:]
	for _, a := range st.args {
		if a == "--resume" || strings.HasPrefix(a, "--resume=") {
			return nil, fmt.Errorf("--resume %s: the run recorded there was itself a resume", path)
		}
	}
	return st, nil
}

func (s *resumeState) add(addr string) {
	if a, err := netip.ParseAddr(addr); err == nil {
		s.done[a] = true
	}
}

func xmlUnescape(s string) string {
	var b strings.Builder
	d := xml.NewDecoder(strings.NewReader("<a>" + s + "</a>"))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if cd, ok := tok.(xml.CharData); ok {
			b.Write(cd)
		}
	}
	return b.String()
}

// reopenForResume prepares an output file of the interrupted run to be
// continued: an XML file loses its closing run statistics, a JSON Lines
// file its run end and any line cut short, so that the resumed run's hosts
// and end complete the same document. Normal and grepable files are
// appended to, as Nmap does. It returns whether the format's header must
// be left out (the file already has one).
func reopenForResume(path string) (skipHeader bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return false, nil
		}
		return false, err
	}
	cut := len(data)
	switch {
	case bytes.Contains(data[:min(len(data), 512)], []byte("<nmaprun")):
		if i := bytes.LastIndex(data, []byte("<runstats>")); i >= 0 {
			cut = i
		} else if i := bytes.LastIndex(data, []byte("</host>")); i >= 0 {
			cut = i + len("</host>\n")
		}
		skipHeader = true
	case bytes.HasPrefix(data, []byte("{")):
		cut = bytes.LastIndexByte(data, '\n') + 1
		if i := bytes.LastIndexByte(data[:max(cut-1, 0)], '\n'); bytes.Contains(data[i+1:cut], []byte(`"type":"run_end"`)) {
			cut = i + 1
		}
		skipHeader = true
	}
	return skipHeader, os.Truncate(path, int64(min(cut, len(data))))
}

// skipFirst drops the first Write: the header of a format whose file
// already has one.
type skipFirst struct {
	w       io.Writer
	skipped bool
}

func (s *skipFirst) Write(p []byte) (int, error) {
	if !s.skipped {
		s.skipped = true
		return len(p), nil
	}
	return s.w.Write(p)
}
